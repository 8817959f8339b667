package org.pqsip.srtp;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * The SRTP key derivation function (RFC 3711 section 4.3 with a key derivation rate of 0; RFC 7714
 * section 11 for the 96-bit salts of the GCM suites): session key {@code label} = AES-CM key stream
 * under the master key, started at (master salt XOR label at byte 7) followed by a zero block
 * counter. The salt is left-aligned in the 16-byte block, so a 14-byte salt leaves exactly the
 * 16-bit counter and a 12-byte one four zero bytes.
 */
final class SrtpKdf {
  static final int RTP_ENCRYPTION = 0x00;
  static final int RTP_AUTH = 0x01;
  static final int RTP_SALT = 0x02;
  static final int RTCP_ENCRYPTION = 0x03;
  static final int RTCP_AUTH = 0x04;
  static final int RTCP_SALT = 0x05;

  private SrtpKdf() {}

  /** {@link #derive(byte[], byte[], int, int)} from a master key and salt. */
  static byte[] derive(SrtpMasterKey k, int label, int length) {
    return derive(k.key().exposeSecretBytes(), k.salt().exposeSecretBytes(), label, length);
  }

  /** Returns {@code length} bytes of session key for {@code label}; the caller wipes them. */
  static byte[] derive(byte[] masterKey, byte[] masterSalt, int label, int length) {
    if (masterSalt.length > 14) {
      throw new IllegalArgumentException("a master salt has at most 14 bytes");
    }
    byte[] block = new byte[16];
    byte[] stream = new byte[(length + 15) & ~15];
    try {
      Cipher aes = Cipher.getInstance("AES/ECB/NoPadding");
      aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(masterKey, "AES"));
      for (int i = 0; i * 16 < length; i++) {
        System.arraycopy(masterSalt, 0, block, 0, masterSalt.length);
        Arrays.fill(block, masterSalt.length, 16, (byte) 0);
        block[7] ^= (byte) label;
        block[14] = (byte) (i >>> 8);
        block[15] = (byte) i;
        aes.update(block, 0, 16, stream, i * 16);
      }
      return Arrays.copyOf(stream, length);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES is not available: " + e.getMessage(), e);
    } finally {
      Arrays.fill(block, (byte) 0);
      Arrays.fill(stream, (byte) 0);
    }
  }
}
