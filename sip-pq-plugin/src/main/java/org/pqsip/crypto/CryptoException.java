package org.pqsip.crypto;

/**
 * Input to a cryptographic primitive was rejected before use: wrong length, an ML-KEM
 * encapsulation key that fails the FIPS 203 modulus check, or an X25519 point that yields the
 * all-zero shared secret. Never thrown for a ciphertext that merely decapsulates to a different
 * secret: ML-KEM rejects those implicitly and key confirmation catches them.
 */
public final class CryptoException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why the input was rejected; stable names used in error reports. */
  public enum Reason {
    BAD_LENGTH,
    INVALID_PUBLIC_KEY,
    INVALID_CIPHERTEXT
  }

  private final Reason reason;

  public CryptoException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
