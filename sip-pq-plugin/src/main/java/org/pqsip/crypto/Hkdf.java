package org.pqsip.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF (RFC 5869), HMAC and hashing with SHA-384: the only hash of the key schedule.
 *
 * <p>Runs on the JDK's SHA-384 and HmacSHA384 (always present in Java 17, and about twice as
 * fast here as Bouncy Castle's pure-Java digest, see README "Keying benchmark"). {@link Prk}
 * keeps one HMAC keyed with the PRK and clones it per expansion, so the key schedule pays the
 * HMAC key setup once per exchange instead of once per derived key.
 */
public final class Hkdf {
  public static final int HASH_BYTES = 48;
  private static final String HMAC = "HmacSHA384";

  private Hkdf() {}

  /** A pseudorandom key ready for repeated HKDF-Expand calls; thread-safe. */
  public static final class Prk implements AutoCloseable {
    private final Secret prk;
    private final Mac keyed;

    private Prk(Secret prk) {
      this.prk = prk;
      this.keyed = mac(prk.exposeSecretBytes());
    }

    public Secret expand(String label, int length) {
      return expand(label.getBytes(StandardCharsets.US_ASCII), length);
    }

    public Secret expand(byte[] info, int length) {
      if (length <= 0 || length > 255 * HASH_BYTES) {
        throw new IllegalArgumentException("HKDF-Expand length out of range");
      }
      if (prk.isDestroyed()) {
        throw new IllegalStateException("PRK used after destroy()");
      }
      byte[] out = new byte[length];
      byte[] t = new byte[0];
      int done = 0;
      for (int i = 1; done < length; i++) {
        Mac m;
        synchronized (keyed) {
          m = copy(keyed);
        }
        m.update(t);
        m.update(info);
        m.update((byte) i);
        byte[] next = m.doFinal();
        Arrays.fill(t, (byte) 0);
        t = next;
        int n = Math.min(HASH_BYTES, length - done);
        System.arraycopy(t, 0, out, done, n);
        done += n;
      }
      Arrays.fill(t, (byte) 0);
      return Secret.adopt(out);
    }

    /** The raw PRK (for known-answer tests). */
    public Secret secret() {
      return prk;
    }

    /**
     * Wipes the PRK and the keyed HMAC state derived from it (re-keying the MAC with zeros
     * overwrites its inner and outer pads; the JCE offers no other way to clear them).
     */
    @Override
    public void close() {
      prk.destroy();
      synchronized (keyed) {
        try {
          keyed.init(new SecretKeySpec(new byte[HASH_BYTES], HMAC));
        } catch (java.security.InvalidKeyException e) {
          throw new IllegalStateException("HmacSHA384 refused a zero key", e);
        }
      }
    }
  }

  /** HKDF-Extract(salt, IKM). */
  public static Prk extract(byte[] salt, Secret ikm) {
    Mac m = mac(salt);
    return new Prk(Secret.adopt(m.doFinal(ikm.exposeSecretBytes())));
  }

  /** HMAC-SHA-384 over the concatenation of {@code parts}, truncated to {@code length}. */
  public static byte[] hmac(Secret key, int length, byte[]... parts) {
    Mac m = mac(key.exposeSecretBytes());
    for (byte[] p : parts) {
      m.update(p);
    }
    return Arrays.copyOf(m.doFinal(), length);
  }

  public static byte[] sha384(byte[]... parts) {
    MessageDigest d = sha384();
    for (byte[] p : parts) {
      d.update(p);
    }
    return d.digest();
  }

  public static MessageDigest sha384() {
    try {
      return MessageDigest.getInstance("SHA-384");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-384 is mandatory in every Java 17 runtime", e);
    }
  }

  /** Constant-time comparison for MACs and commitments. */
  public static boolean constantTimeEquals(byte[] a, byte[] b) {
    return MessageDigest.isEqual(a, b);
  }

  private static Mac mac(byte[] key) {
    try {
      Mac m = Mac.getInstance(HMAC);
      // HMAC keys may be empty (RFC 5869 salt default); SecretKeySpec refuses empty arrays.
      m.init(new SecretKeySpec(key.length == 0 ? new byte[HASH_BYTES] : key, HMAC));
      return m;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA384 is mandatory in every Java 17 runtime", e);
    }
  }

  private static Mac copy(Mac keyed) {
    try {
      return (Mac) keyed.clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("HmacSHA384 implementation cannot be cloned", e);
    }
  }
}
