package org.pqsip.srtp;

/** One implementation of SRTP/SRTCP for one stream, both directions (see {@link SrtpStream}). */
interface SrtpEngine extends AutoCloseable {
  SrtpResult protectRtp(PacketBuffer p);

  SrtpResult unprotectRtp(PacketBuffer p);

  SrtpResult protectRtcp(PacketBuffer p);

  SrtpResult unprotectRtcp(PacketBuffer p);

  @Override
  void close();
}
