package org.pqsip.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/** HKDF (RFC 5869), HMAC and hashing with SHA-384: the only hash of the key schedule. */
public final class Hkdf {
  public static final int HASH_BYTES = 48;

  private Hkdf() {}

  public static Secret extract(byte[] salt, Secret ikm) {
    HKDFBytesGenerator gen = new HKDFBytesGenerator(new SHA384Digest());
    return Secret.adopt(gen.extractPRK(salt, ikm.exposeSecretBytes()));
  }

  public static Secret expand(Secret prk, String label, int length) {
    return expand(prk, label.getBytes(StandardCharsets.US_ASCII), length);
  }

  public static Secret expand(Secret prk, byte[] info, int length) {
    HKDFBytesGenerator gen = new HKDFBytesGenerator(new SHA384Digest());
    gen.init(HKDFParameters.skipExtractParameters(prk.exposeSecretBytes(), info));
    byte[] out = new byte[length];
    gen.generateBytes(out, 0, length);
    return Secret.adopt(out);
  }

  /** HMAC-SHA-384 over the concatenation of {@code parts}, truncated to {@code length}. */
  public static byte[] hmac(Secret key, int length, byte[]... parts) {
    HMac mac = new HMac(new SHA384Digest());
    mac.init(new KeyParameter(key.exposeSecretBytes()));
    for (byte[] p : parts) {
      mac.update(p, 0, p.length);
    }
    byte[] full = new byte[HASH_BYTES];
    mac.doFinal(full, 0);
    return java.util.Arrays.copyOf(full, length);
  }

  public static byte[] sha384(byte[]... parts) {
    SHA384Digest d = new SHA384Digest();
    for (byte[] p : parts) {
      d.update(p, 0, p.length);
    }
    byte[] out = new byte[HASH_BYTES];
    d.doFinal(out, 0);
    return out;
  }

  /** Constant-time comparison for MACs and commitments. */
  public static boolean constantTimeEquals(byte[] a, byte[] b) {
    return MessageDigest.isEqual(a, b);
  }
}
