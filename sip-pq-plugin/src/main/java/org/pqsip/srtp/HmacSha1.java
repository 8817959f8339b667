package org.pqsip.srtp;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * HMAC-SHA1 (RFC 2104) on the JDK's SHA-1 (SHA-NI where the CPU has it), finishing into the
 * caller's array: nothing allocated per message, unlike {@code javax.crypto.Mac.doFinal}, which
 * allocates its result and inner hash. Both pads are hashed for every message (two compressions
 * more than keeping their states, which a {@code MessageDigest} can only do by cloning); on this
 * machine still about four times faster than a pure-Java SHA-1 with saved states (250 against
 * 1,000 ns for a 176-byte packet, a single micro-measurement). Keys of at most 64 bytes (SRTP's
 * are 20). Not thread-safe.
 */
final class HmacSha1 implements AutoCloseable {
  static final int LENGTH = 20;

  private final MessageDigest sha1;
  private final byte[] ipad = new byte[64];
  private final byte[] opad = new byte[64];
  private final byte[] inner = new byte[LENGTH];

  HmacSha1(byte[] key) {
    if (key.length > 64) {
      throw new IllegalArgumentException("HMAC keys here have at most 64 bytes");
    }
    try {
      sha1 = MessageDigest.getInstance("SHA-1");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is not available", e);
    }
    for (int i = 0; i < 64; i++) {
      byte k = i < key.length ? key[i] : 0;
      ipad[i] = (byte) (k ^ 0x36);
      opad[i] = (byte) (k ^ 0x5c);
    }
    sha1.update(ipad, 0, 64);
  }

  void update(byte[] b, int off, int len) {
    sha1.update(b, off, len);
  }

  /** Writes the 20-byte MAC of everything updated since the last one, and starts the next. */
  void finish(byte[] out, int off) {
    try {
      sha1.digest(inner, 0, LENGTH);
      sha1.update(opad, 0, 64);
      sha1.update(inner, 0, LENGTH);
      sha1.digest(out, off, LENGTH);
    } catch (java.security.DigestException e) {
      throw new IllegalStateException(e); // the arrays have room for 20 bytes
    }
    sha1.update(ipad, 0, 64);
  }

  @Override
  public void close() {
    sha1.reset();
    Arrays.fill(ipad, (byte) 0);
    Arrays.fill(opad, (byte) 0);
    Arrays.fill(inner, (byte) 0);
  }
}
