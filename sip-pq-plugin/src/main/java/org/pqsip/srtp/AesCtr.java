package org.pqsip.srtp;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES counter-mode key stream without allocating per message: the JDK's AES in ECB mode (AES-NI
 * where the CPU has it), initialised once per key and fed a batch of counter blocks at a time.
 * The JDK's own CTR and GCM modes need a new parameter object and a {@code Cipher.init} for
 * every IV, which allocates inside the provider. Not thread-safe: one instance per key and thread.
 */
final class AesCtr implements AutoCloseable {
  private static final int BATCH = 64; // counter blocks per AES call (1 KiB of key stream)

  private final Cipher aes;
  private final byte[] counters = new byte[BATCH * 16];
  private final byte[] stream = new byte[BATCH * 16];

  /** {@code key}: 16, 24 or 32 bytes, copied (the caller wipes its own array). */
  AesCtr(byte[] key) {
    try {
      aes = Cipher.getInstance("AES/ECB/NoPadding");
      aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES is not available: " + e.getMessage(), e);
    }
  }

  /** Encrypts one 16-byte block from {@code in} into {@code out} (may be the same array). */
  void encryptBlock(byte[] in, byte[] out) {
    System.arraycopy(in, 0, counters, 0, 16);
    encrypt(16, out);
  }

  /**
   * XORs the key stream E(first), E(first + 1), ... into {@code b[off, off+len)}, where the
   * counter is the last four bytes of {@code first} as a 32-bit big-endian number (incremented
   * modulo 2^32, as GCM's inc32; SRTP's 16-bit block counter never carries out of its two bytes).
   */
  void xor(byte[] first, byte[] b, int off, int len) {
    int counter = SrtpPackets.be32(first, 12);
    int done = 0;
    while (done < len) {
      int n = Math.min(len - done, BATCH * 16);
      int blocks = (n + 15) >>> 4;
      for (int j = 0; j < blocks; j++) {
        int c = counter + j;
        int o = j * 16;
        System.arraycopy(first, 0, counters, o, 12);
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
    Arrays.fill(counters, (byte) 0);
    Arrays.fill(stream, (byte) 0);
  }
}
