package org.pqsip.srtp;

import java.util.Arrays;

/**
 * AES-GCM with a 96-bit IV and a 128-bit tag (NIST SP 800-38D), in place and without allocating
 * per message: the key stream from {@link AesCtr}, the hash from {@link Ghash} (constant time).
 *
 * <p>{@link #open} checks the tag (in constant time) before it decrypts anything, so a forged
 * message leaves the buffer as it was. Not thread-safe: one instance per key per thread.
 */
final class AesGcm implements AutoCloseable {
  static final int IV = 12;
  static final int TAG = 16;

  private final AesCtr aes;
  private final Ghash ghash;
  private final byte[] j0 = new byte[16];
  private final byte[] tagMask = new byte[16];
  private final byte[] tag = new byte[16];

  /** {@code key}: 16, 24 or 32 bytes, copied (the caller wipes its own array). */
  AesGcm(byte[] key) {
    aes = new AesCtr(key);
    byte[] h = new byte[16];
    aes.encryptBlock(h, h);
    ghash = new Ghash(h, 0);
    Arrays.fill(h, (byte) 0);
  }

  /**
   * Encrypts {@code buf[off, off+len)} in place and writes the tag after it, at {@code off+len}.
   * The associated data is {@code aad[aadOff, aadOff+aadLen)}; it may lie in {@code buf}.
   */
  void seal(byte[] iv, byte[] aad, int aadOff, int aadLen, byte[] buf, int off, int len) {
    start(iv);
    aes.xor(j0, buf, off, len);
    hash(aad, aadOff, aadLen, buf, off, len);
    for (int i = 0; i < TAG; i++) {
      buf[off + len + i] = (byte) (tag[i] ^ tagMask[i]);
    }
  }

  /**
   * Checks the tag at {@code buf[off+len, off+len+16)} over the associated data and the
   * ciphertext {@code buf[off, off+len)}; only if it matches, decrypts the ciphertext in place.
   */
  boolean open(byte[] iv, byte[] aad, int aadOff, int aadLen, byte[] buf, int off, int len) {
    start(iv);
    hash(aad, aadOff, aadLen, buf, off, len);
    int diff = 0;
    for (int i = 0; i < TAG; i++) {
      diff |= (tag[i] ^ tagMask[i] ^ buf[off + len + i]);
    }
    if (diff != 0) {
      return false;
    }
    aes.xor(j0, buf, off, len);
    return true;
  }

  /** J0 = IV || 1 gives the tag's mask; the text's counters start at 2 (J0 is left at 2). */
  private void start(byte[] iv) {
    System.arraycopy(iv, 0, j0, 0, IV);
    j0[12] = 0;
    j0[13] = 0;
    j0[14] = 0;
    j0[15] = 1;
    aes.encryptBlock(j0, tagMask);
    j0[15] = 2;
  }

  private void hash(byte[] aad, int aadOff, int aadLen, byte[] text, int off, int len) {
    ghash.reset();
    ghash.update(aad, aadOff, aadLen);
    ghash.update(text, off, len);
    ghash.lengths(aadLen, len);
    ghash.digest(tag, 0);
  }

  @Override
  public void close() {
    ghash.wipe();
    aes.close();
    Arrays.fill(j0, (byte) 0);
    Arrays.fill(tagMask, (byte) 0);
    Arrays.fill(tag, (byte) 0);
  }
}
