package org.pqsip.srtp;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * The pqkem reveal's RTCP APP packet (RFC 3550 §6.7, subtype 0, name {@code PQSR}; docs/PROTOCOL.md
 * §5.2): the offerer appends it to its compound RTCP packets, inside SRTCP, until the reveal
 * period ends; the answerer looks for it after SRTCP has authenticated the packet. Shared by our
 * media session and by the libjitsi adapter (which adds it to libjitsi's own RTCP).
 */
public final class RtcpReveal {
  public static final int PT_APP = 204;
  private static final byte[] NAME = "PQSR".getBytes(StandardCharsets.US_ASCII);

  private RtcpReveal() {}

  /** Bytes the APP packet takes for a reveal of {@code revealLength} bytes (data padded to words). */
  public static int length(int revealLength) {
    return 12 + ((revealLength + 3) & ~3);
  }

  /** Writes the APP packet at {@code p} in {@code b}; returns the position after it. */
  public static int write(byte[] b, int p, int ssrc, byte[] reveal) {
    int dataPadded = (reveal.length + 3) & ~3;
    int words = (12 + dataPadded) / 4 - 1;
    b[p] = (byte) 0x80; // version 2, subtype 0
    b[p + 1] = (byte) PT_APP;
    b[p + 2] = (byte) (words >>> 8);
    b[p + 3] = (byte) words;
    b[p + 4] = (byte) (ssrc >>> 24);
    b[p + 5] = (byte) (ssrc >>> 16);
    b[p + 6] = (byte) (ssrc >>> 8);
    b[p + 7] = (byte) ssrc;
    System.arraycopy(NAME, 0, b, p + 8, 4);
    System.arraycopy(reveal, 0, b, p + 12, reveal.length);
    Arrays.fill(b, p + 12 + reveal.length, p + 12 + dataPadded, (byte) 0);
    return p + 12 + dataPadded;
  }

  /** The data of the first APP packet named PQSR in a compound RTCP packet, if any. */
  public static Optional<byte[]> find(byte[] b, int off, int len, int revealLength) {
    int p = off;
    int end = off + len;
    while (p + 4 <= end) {
      if (((b[p] & 0xff) >>> 6) != 2) {
        return Optional.empty();
      }
      int pt = b[p + 1] & 0xff;
      int bytes = 4 * ((((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff)) + 1);
      if (p + bytes > end) {
        return Optional.empty();
      }
      if (pt == PT_APP && bytes >= 12 + revealLength && Arrays.equals(b, p + 8, p + 12, NAME, 0, 4)) {
        return Optional.of(Arrays.copyOfRange(b, p + 12, p + 12 + revealLength));
      }
      p += bytes;
    }
    return Optional.empty();
  }

  /**
   * Removes every APP packet named PQSR from a compound RTCP packet in place (what follows moves
   * up); returns the new length. A malformed compound is left as it is. The trunk gateway uses it
   * so that the reveal stays on the pqkem leg.
   */
  public static int strip(byte[] b, int off, int len) {
    int p = off;
    int end = off + len;
    while (p + 4 <= end) {
      if (((b[p] & 0xff) >>> 6) != 2) {
        return end - off;
      }
      int bytes = 4 * ((((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff)) + 1);
      if (p + bytes > end) {
        return end - off;
      }
      if ((b[p + 1] & 0xff) == PT_APP && bytes >= 12 && Arrays.equals(b, p + 8, p + 12, NAME, 0, 4)) {
        System.arraycopy(b, p + bytes, b, p, end - p - bytes);
        end -= bytes;
        continue;
      }
      p += bytes;
    }
    return end - off;
  }
}
