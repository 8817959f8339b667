package org.pqsip.srtp;

/** What SRTP reads of RTP and RTCP packets: header length, SSRC, sequence number and index. */
final class SrtpPackets {
  private SrtpPackets() {}

  static int be32(byte[] b, int o) {
    return ((b[o] & 0xff) << 24) | ((b[o + 1] & 0xff) << 16) | ((b[o + 2] & 0xff) << 8) | (b[o + 3] & 0xff);
  }

  static void put32(byte[] b, int o, int v) {
    b[o] = (byte) (v >>> 24);
    b[o + 1] = (byte) (v >>> 16);
    b[o + 2] = (byte) (v >>> 8);
    b[o + 3] = (byte) v;
  }

  static int seq(byte[] b, int off) {
    return ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
  }

  /**
   * The RTP header's length (12 + CSRCs + extension) if it is a version-2 header that fits in
   * {@code len} bytes, else -1.
   */
  static int headerLength(byte[] b, int off, int len) {
    if (len < 12 || (b[off] & 0xc0) != 0x80) {
      return -1;
    }
    int h = 12 + 4 * (b[off] & 0x0f);
    if ((b[off] & 0x10) != 0) {
      if (h + 4 > len) {
        return -1;
      }
      h += 4 + 4 * (((b[off + h + 2] & 0xff) << 8) | (b[off + h + 3] & 0xff));
    }
    return h <= len ? h : -1;
  }

  /**
   * RFC 3711 appendix A: the packet index for {@code seq} given the highest index so far (-1:
   * none, the first packet starts the rollover counter at 0). May be negative for a sequence
   * number from before the stream's first rollover period.
   */
  static long estimate(int seq, long highest) {
    if (highest < 0) {
      return seq;
    }
    long roc = highest >>> 16;
    int sl = (int) (highest & 0xffff);
    long v;
    if (sl < 32768) {
      v = seq - sl > 32768 ? roc - 1 : roc;
    } else {
      v = sl - 32768 > seq ? roc + 1 : roc;
    }
    return (v << 16) | seq;
  }
}
