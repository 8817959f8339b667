package org.pqsip.srtp;

/**
 * GHASH (NIST SP 800-38D) in constant time: no table look-ups and no branches on the hash key or
 * the data. Carry-less 64 x 64 products are made from ordinary multiplications of operands with
 * bits four apart ("holes"), so no carry reaches a kept bit; the high half of a product comes
 * from the same trick on bit-reversed operands. 128 x 128 products use Karatsuba (three 64-bit
 * products), then one reduction modulo x^128 + x^7 + x^2 + x + 1.
 *
 * <p>Values are kept in the natural polynomial order (bit i of the pair {@code lo, hi} is the
 * coefficient of x^i), which is the bit-reverse of GCM's byte string: a block is reversed once
 * when it is absorbed and once when the digest is written. Allocates nothing after construction.
 */
final class Ghash {
  private static final java.lang.invoke.VarHandle LE64 =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
  private static final long M0 = 0x1111111111111111L;
  private static final long M1 = 0x2222222222222222L;
  private static final long M2 = 0x4444444444444444L;
  private static final long M3 = 0x8888888888888888L;

  /**
   * H's halves and their sum (natural order), each also bit-reversed, each split into its four
   * bit classes for {@link #bmul}: the only copy of the hash key.
   */
  private final long[] split = new long[24];
  private final byte[] last = new byte[16];
  private long y0;
  private long y1;

  /** {@code h}: the hash key, E(K, 0^128), 16 bytes from {@code off}. */
  Ghash(byte[] h, int off) {
    long h0 = natural(h, off);
    long h1 = natural(h, off + 8);
    long h2 = h0 ^ h1;
    long[] hs = {h0, Long.reverse(h0), h1, Long.reverse(h1), h2, Long.reverse(h2)};
    for (int i = 0; i < hs.length; i++) {
      split[4 * i] = hs[i] & M0;
      split[4 * i + 1] = hs[i] & M1;
      split[4 * i + 2] = hs[i] & M2;
      split[4 * i + 3] = hs[i] & M3;
    }
    java.util.Arrays.fill(hs, 0);
  }

  void reset() {
    y0 = 0;
    y1 = 0;
  }

  /** Absorbs {@code len} bytes as whole blocks; a last partial block is padded with zeros. */
  void update(byte[] b, int off, int len) {
    int end = off + len;
    int i = off;
    for (; i + 16 <= end; i += 16) {
      absorb(natural(b, i), natural(b, i + 8));
    }
    if (i < end) {
      java.util.Arrays.fill(last, (byte) 0);
      System.arraycopy(b, i, last, 0, end - i);
      absorb(natural(last, 0), natural(last, 8));
    }
  }

  /** Absorbs the final block: the bit lengths of the associated data and of the ciphertext. */
  void lengths(long aadBytes, long textBytes) {
    absorb(Long.reverse(aadBytes << 3), Long.reverse(textBytes << 3));
  }

  /** Writes the 16-byte hash at {@code off}. */
  void digest(byte[] out, int off) {
    LE64.set(out, off, bitsInBytes(y0));
    LE64.set(out, off + 8, bitsInBytes(y1));
  }

  /** Wipes the hash key and the running hash; the object is useless afterwards. */
  void wipe() {
    reset();
    java.util.Arrays.fill(split, 0);
    java.util.Arrays.fill(last, (byte) 0);
  }

  /** y = (y + block) * H, the block as two words in natural order ({@link #natural}). */
  private void absorb(long x0, long x1) {
    long a0 = y0 ^ x0;
    long a1 = y1 ^ x1;
    long a2 = a0 ^ a1;
    long a0r = Long.reverse(a0);
    long a1r = Long.reverse(a1);
    long[] k = split;
    long z0l = bmul(a0, k, 0);
    long z0h = Long.reverse(bmul(a0r, k, 4)) >>> 1;
    long z1l = bmul(a1, k, 8);
    long z1h = Long.reverse(bmul(a1r, k, 12)) >>> 1;
    long z2l = bmul(a2, k, 16) ^ z0l ^ z1l;
    long z2h = (Long.reverse(bmul(a0r ^ a1r, k, 20)) >>> 1) ^ z0h ^ z1h;
    long r0 = z0l;
    long r1 = z0h ^ z2l;
    long r2 = z1l ^ z2h;
    long r3 = z1h;
    // x^128 = x^7 + x^2 + x + 1: fold the top 128 bits down, then the (at most 7) bits that
    // the fold pushed past x^127.
    long t0 = r2 ^ (r2 << 1) ^ (r2 << 2) ^ (r2 << 7);
    long t1 = r3 ^ (r3 << 1) ^ (r3 << 2) ^ (r3 << 7) ^ (r2 >>> 63) ^ (r2 >>> 62) ^ (r2 >>> 57);
    long o = (r3 >>> 63) ^ (r3 >>> 62) ^ (r3 >>> 57);
    t0 ^= o ^ (o << 1) ^ (o << 2) ^ (o << 7);
    y0 = r0 ^ t0;
    y1 = r1 ^ t1;
  }

  /**
   * The low 64 bits of the carry-less product of {@code x} and the word whose four bit classes
   * are {@code ys[at..at+3]}. Each partial product sums at most 16 terms per
   * bit position, and the only positions with 16 are at 60 and above, whose carries fall off
   * the word: no carry ever lands on a kept bit.
   */
  static long bmul(long x, long[] ys, int at) {
    long x0 = x & M0;
    long x1 = x & M1;
    long x2 = x & M2;
    long x3 = x & M3;
    long y0 = ys[at];
    long y1 = ys[at + 1];
    long y2 = ys[at + 2];
    long y3 = ys[at + 3];
    long z0 = (x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1);
    long z1 = (x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2);
    long z2 = (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3);
    long z3 = (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0);
    return (z0 & M0) | (z1 & M1) | (z2 & M2) | (z3 & M3);
  }

  /**
   * Eight bytes of a GCM block as a polynomial word (bit i = coefficient of x^i): the bit-reverse
   * of the big-endian word, which is the little-endian word with the bits of each byte reversed.
   */
  static long natural(byte[] b, int o) {
    return bitsInBytes((long) LE64.get(b, o));
  }

  /** Reverses the bit order within each byte (its own inverse). */
  static long bitsInBytes(long v) {
    v = ((v & 0x5555555555555555L) << 1) | ((v >>> 1) & 0x5555555555555555L);
    v = ((v & 0x3333333333333333L) << 2) | ((v >>> 2) & 0x3333333333333333L);
    return ((v & 0x0f0f0f0f0f0f0f0fL) << 4) | ((v >>> 4) & 0x0f0f0f0f0f0f0f0fL);
  }
}
