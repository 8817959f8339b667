package org.pqsip.crypto;

import java.security.MessageDigest;
import java.util.Arrays;

/**
 * A secret byte string: key material, shared secrets, retained secrets.
 *
 * <p>Promises: never prints its content ({@link #toString()} shows only the length), compares in
 * constant time, and can be wiped with {@link #destroy()}. Raw bytes are only reachable through
 * {@link #exposeSecretBytes()}, a name that is deliberately easy to grep for in reviews. It does
 * not promise that copies made by callers of that method are wiped.
 */
public final class Secret implements AutoCloseable {
  private final byte[] bytes;
  private volatile boolean destroyed;

  private Secret(byte[] bytes) {
    this.bytes = bytes;
  }

  /** Takes ownership of {@code bytes}: the caller must not keep or change the array. */
  public static Secret adopt(byte[] bytes) {
    return new Secret(bytes);
  }

  /** Copies {@code len} bytes from {@code src} at {@code off}. */
  public static Secret copyOf(byte[] src, int off, int len) {
    return new Secret(Arrays.copyOfRange(src, off, off + len));
  }

  public int length() {
    return bytes.length;
  }

  /** The live backing array (not a copy). Do not log, store or return it. */
  public byte[] exposeSecretBytes() {
    if (destroyed) {
      throw new IllegalStateException("secret used after destroy()");
    }
    return bytes;
  }

  /** Constant-time equality of content; lengths are not secret. */
  public boolean contentEquals(Secret other) {
    return MessageDigest.isEqual(exposeSecretBytes(), other.exposeSecretBytes());
  }

  /** Overwrites the content with zeros. Idempotent. */
  public void destroy() {
    Arrays.fill(bytes, (byte) 0);
    destroyed = true;
  }

  public boolean isDestroyed() {
    return destroyed;
  }

  @Override
  public void close() {
    destroy();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Secret s && contentEquals(s);
  }

  @Override
  public int hashCode() {
    return bytes.length; // content must not leak through hash codes
  }

  @Override
  public String toString() {
    return "Secret[" + bytes.length + " bytes]";
  }
}
