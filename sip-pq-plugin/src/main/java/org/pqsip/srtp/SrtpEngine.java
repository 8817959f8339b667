package org.pqsip.srtp;

/** One implementation of SRTP/SRTCP for one stream, both directions (see {@link SrtpStream}). */
interface SrtpEngine extends AutoCloseable {
  SrtpResult protectRtp(PacketBuffer p);

  SrtpResult unprotectRtp(PacketBuffer p);

  SrtpResult protectRtcp(PacketBuffer p);

  SrtpResult unprotectRtcp(PacketBuffer p);

  @Override
  void close();

  static int be32(byte[] b, int o) {
    return ((b[o] & 0xff) << 24) | ((b[o + 1] & 0xff) << 16) | ((b[o + 2] & 0xff) << 8) | (b[o + 3] & 0xff);
  }
}
