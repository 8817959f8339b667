package org.pqsip.media;

/** RTP (RFC 3550 §5.1) fixed-header fields read and written in place. */
public final class Rtp {
  public static final int HEADER = 12;

  private Rtp() {}

  public static void writeHeader(byte[] b, int pt, int seq, long timestamp, int ssrc, boolean marker) {
    b[0] = (byte) 0x80;
    b[1] = (byte) ((marker ? 0x80 : 0) | (pt & 0x7f));
    b[2] = (byte) (seq >>> 8);
    b[3] = (byte) seq;
    b[4] = (byte) (timestamp >>> 24);
    b[5] = (byte) (timestamp >>> 16);
    b[6] = (byte) (timestamp >>> 8);
    b[7] = (byte) timestamp;
    putInt(b, 8, ssrc);
  }

  public static int version(byte[] b, int off) {
    return (b[off] & 0xff) >>> 6;
  }

  public static int payloadType(byte[] b, int off) {
    return b[off + 1] & 0x7f;
  }

  public static int sequence(byte[] b, int off) {
    return ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
  }

  /** Offset of the payload after CSRCs and a header extension; -1 if the packet is too short. */
  public static int payloadOffset(byte[] b, int off, int len) {
    if (len < HEADER) {
      return -1;
    }
    int cc = b[off] & 0x0f;
    int p = HEADER + 4 * cc;
    if ((b[off] & 0x10) != 0) {
      if (len < p + 4) {
        return -1;
      }
      int extWords = ((b[off + p + 2] & 0xff) << 8) | (b[off + p + 3] & 0xff);
      p += 4 + 4 * extWords;
    }
    return p <= len ? p : -1;
  }

  /** Payload length without padding (RFC 3550 P bit); -1 if inconsistent. */
  public static int payloadLength(byte[] b, int off, int len, int payloadOff) {
    int n = len - payloadOff;
    if ((b[off] & 0x20) != 0 && n > 0) {
      n -= b[off + len - 1] & 0xff;
    }
    return n >= 0 ? n : -1;
  }

  static void putInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
  }

  static int getInt(byte[] b, int at) {
    return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
  }
}
