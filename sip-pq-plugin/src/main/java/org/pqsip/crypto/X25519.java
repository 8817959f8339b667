package org.pqsip.crypto;

import java.security.SecureRandom;
import java.util.Arrays;

/**
 * X25519 (RFC 7748) on raw byte arrays that we own, so private keys can be wiped (Bouncy
 * Castle's parameter objects keep a private copy that cannot be cleared). The all-zero shared
 * secret is rejected (RFC 7748 §6.1).
 */
final class X25519 {
  static final int KEY_BYTES = 32;

  private X25519() {}

  /** A fresh private key; the caller owns the array and wipes it with {@link #wipe}. */
  static byte[] generate(SecureRandom random) {
    byte[] k = new byte[KEY_BYTES];
    org.bouncycastle.math.ec.rfc7748.X25519.generatePrivateKey(random, k);
    return k;
  }

  static byte[] publicKey(byte[] sk) {
    byte[] pk = new byte[KEY_BYTES];
    org.bouncycastle.math.ec.rfc7748.X25519.generatePublicKey(sk, 0, pk, 0);
    return pk;
  }

  static Secret agree(byte[] sk, byte[] peer, int off) throws CryptoException {
    byte[] out = new byte[KEY_BYTES];
    if (!org.bouncycastle.math.ec.rfc7748.X25519.calculateAgreement(sk, 0, peer, off, out, 0)) {
      throw new CryptoException(
          CryptoException.Reason.INVALID_PUBLIC_KEY, "X25519 public key is a low-order point");
    }
    return Secret.adopt(out);
  }

  static void wipe(byte[] sk) {
    if (sk != null) {
      Arrays.fill(sk, (byte) 0);
    }
  }
}
