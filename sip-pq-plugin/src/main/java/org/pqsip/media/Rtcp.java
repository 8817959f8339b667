package org.pqsip.media;

import java.util.Arrays;
import java.util.Optional;

/**
 * The RTCP we send and the part we read (RFC 3550 §6): a compound packet of a sender report, an
 * SDES CNAME and, while a pqkem reveal is pending, an APP packet named {@code PQSR} carrying it
 * (docs/PROTOCOL.md §5.2). CNAMEs are random per call: they identify nothing.
 */
public final class Rtcp {
  public static final int PT_SR = 200;
  public static final int PT_SDES = 202;
  public static final int PT_APP = org.pqsip.srtp.RtcpReveal.PT_APP;

  private Rtcp() {}

  /**
   * Writes the compound packet into {@code b} from 0 and returns its length. {@code reveal} may
   * be null. {@code ntp} is the NTP timestamp of now.
   */
  public static int writeCompound(
      byte[] b, int ssrc, long ntp, long rtpTs, long packets, long octets, byte[] cname, byte[] reveal) {
    // SR, no report blocks: 7 words.
    b[0] = (byte) 0x80;
    b[1] = (byte) PT_SR;
    b[2] = 0;
    b[3] = 6;
    Rtp.putInt(b, 4, ssrc);
    Rtp.putInt(b, 8, (int) (ntp >>> 32));
    Rtp.putInt(b, 12, (int) ntp);
    Rtp.putInt(b, 16, (int) rtpTs);
    Rtp.putInt(b, 20, (int) packets);
    Rtp.putInt(b, 24, (int) octets);
    int p = 28;
    // SDES with one chunk: SSRC, CNAME item, END, padded to a word.
    int chunk = 4 + 2 + cname.length + 1;
    int chunkPadded = (chunk + 3) & ~3;
    b[p] = (byte) 0x81;
    b[p + 1] = (byte) PT_SDES;
    int sdesWords = (4 + chunkPadded) / 4 - 1;
    b[p + 2] = (byte) (sdesWords >>> 8);
    b[p + 3] = (byte) sdesWords;
    Rtp.putInt(b, p + 4, ssrc);
    b[p + 8] = 1;
    b[p + 9] = (byte) cname.length;
    System.arraycopy(cname, 0, b, p + 10, cname.length);
    Arrays.fill(b, p + 10 + cname.length, p + 4 + chunkPadded, (byte) 0);
    p += 4 + chunkPadded;
    if (reveal != null) {
      p = org.pqsip.srtp.RtcpReveal.write(b, p, ssrc, reveal);
    }
    return p;
  }

  /**
   * Writes our compound report into {@code tx}, seals it with {@code srtp} (null: plain) and sends
   * it; false when it could not be sealed.
   */
  public static boolean sendReport(org.pqsip.srtp.PacketBuffer tx, MediaTransport transport, org.pqsip.srtp.SrtpStream srtp,
      int ssrc, long rtpTs, long packets, long octets, byte[] cname, byte[] reveal) throws java.io.IOException {
    int n = writeCompound(tx.getBuffer(), ssrc, ntpNow(), rtpTs, packets, octets, cname, reveal);
    tx.setOffset(0);
    tx.setLength(n);
    if (srtp != null && srtp.protectRtcp(tx) != org.pqsip.srtp.SrtpResult.OK) {
      return false;
    }
    transport.send(tx, true);
    return true;
  }

  /** The NTP timestamp (RFC 3550 §4) of now. */
  static long ntpNow() {
    long ms = System.currentTimeMillis() + 2_208_988_800_000L;
    return ((ms / 1000) << 32) | (((ms % 1000) << 32) / 1000);
  }

  /** The data of the first APP packet named PQSR in a compound packet, if any. */
  public static Optional<byte[]> findReveal(byte[] b, int off, int len, int revealLength) {
    return org.pqsip.srtp.RtcpReveal.find(b, off, len, revealLength);
  }
}
