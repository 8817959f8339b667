package org.pqsip.srtp;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-GCM with a 96-bit IV and a 128-bit tag (NIST SP 800-38D), in place and without allocating
 * per message: the block cipher is the JDK's AES in ECB mode, initialised once per key (AES-NI
 * where the CPU has it), fed a batch of counter blocks at a time; the hash is {@link Ghash}. The
 * JDK's own GCM cannot be used per packet without allocating: every IV needs a new
 * {@code GCMParameterSpec} and a {@code Cipher.init}, which allocates inside the provider.
 *
 * <p>{@link #open} checks the tag (in constant time) before it decrypts anything, so a forged
 * message leaves the buffer as it was. Not thread-safe: one instance per key per thread.
 */
final class AesGcm implements AutoCloseable {
  static final int IV = 12;
  static final int TAG = 16;
  private static final int BATCH = 64; // counter blocks per AES call (1 KiB of key stream)

  private final Cipher aes;
  private final Ghash ghash;
  private final byte[] counters = new byte[BATCH * 16];
  private final byte[] stream = new byte[BATCH * 16];
  private final byte[] tagMask = new byte[16];
  private final byte[] tag = new byte[16];

  /** {@code key}: 16, 24 or 32 bytes, copied (the caller wipes its own array). */
  AesGcm(byte[] key) {
    try {
      aes = Cipher.getInstance("AES/ECB/NoPadding");
      SecretKeySpec spec = new SecretKeySpec(key, "AES");
      aes.init(Cipher.ENCRYPT_MODE, spec);
      byte[] h = new byte[16];
      aes.update(h, 0, 16, h, 0);
      ghash = new Ghash(h, 0);
      Arrays.fill(h, (byte) 0);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES is not available: " + e.getMessage(), e);
    }
  }

  /**
   * Encrypts {@code buf[off, off+len)} in place and writes the tag after it, at {@code off+len}.
   * The associated data is {@code aad[aadOff, aadOff+aadLen)}; it may lie in {@code buf}.
   */
  void seal(byte[] iv, byte[] aad, int aadOff, int aadLen, byte[] buf, int off, int len) {
    start(iv);
    crypt(buf, off, len);
    ghash.reset();
    ghash.update(aad, aadOff, aadLen);
    ghash.update(buf, off, len);
    ghash.lengths(aadLen, len);
    ghash.digest(tag, 0);
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
    ghash.reset();
    ghash.update(aad, aadOff, aadLen);
    ghash.update(buf, off, len);
    ghash.lengths(aadLen, len);
    ghash.digest(tag, 0);
    int diff = 0;
    for (int i = 0; i < TAG; i++) {
      diff |= (tag[i] ^ tagMask[i] ^ buf[off + len + i]);
    }
    if (diff != 0) {
      return false;
    }
    crypt(buf, off, len);
    return true;
  }

  /** J0 = IV || 1; its key stream block masks the tag. Counters for the text start at 2. */
  private void start(byte[] iv) {
    System.arraycopy(iv, 0, counters, 0, IV);
    counters[12] = 0;
    counters[13] = 0;
    counters[14] = 0;
    counters[15] = 1;
    encrypt(16, tagMask);
  }

  /** XORs the key stream from counter 2 on into {@code b[off, off+len)}. */
  private void crypt(byte[] b, int off, int len) {
    int counter = 2;
    int done = 0;
    while (done < len) {
      int n = Math.min(len - done, BATCH * 16);
      int blocks = (n + 15) >>> 4;
      for (int j = 0; j < blocks; j++) {
        int c = counter + j;
        int o = j * 16;
        System.arraycopy(counters, 0, counters, o, IV);
        counters[o + 12] = (byte) (c >>> 24);
        counters[o + 13] = (byte) (c >>> 16);
        counters[o + 14] = (byte) (c >>> 8);
        counters[o + 15] = (byte) c;
      }
      encrypt(blocks * 16, stream);
      for (int i = 0; i < n; i++) {
        b[off + done + i] ^= stream[i];
      }
      counter += blocks;
      done += n;
    }
  }

  private void encrypt(int len, byte[] out) {
    try {
      aes.update(counters, 0, len, out, 0);
    } catch (ShortBufferException e) {
      throw new IllegalStateException(e); // the buffers are sized for BATCH blocks
    }
  }

  @Override
  public void close() {
    ghash.wipe();
    Arrays.fill(counters, (byte) 0);
    Arrays.fill(stream, (byte) 0);
    Arrays.fill(tagMask, (byte) 0);
    Arrays.fill(tag, (byte) 0);
  }
}
