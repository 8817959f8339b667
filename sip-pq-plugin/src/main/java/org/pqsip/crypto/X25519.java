package org.pqsip.crypto;

import java.security.SecureRandom;
import org.bouncycastle.crypto.agreement.X25519Agreement;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PublicKeyParameters;

/** X25519 (RFC 7748) with the all-zero shared secret rejected (RFC 7748 §6.1). */
final class X25519 {
  static final int KEY_BYTES = 32;

  private X25519() {}

  static X25519PrivateKeyParameters generate(SecureRandom random) {
    return new X25519PrivateKeyParameters(random);
  }

  static byte[] publicKey(X25519PrivateKeyParameters sk) {
    return sk.generatePublicKey().getEncoded();
  }

  static Secret agree(X25519PrivateKeyParameters sk, byte[] peer, int off) throws CryptoException {
    X25519Agreement agreement = new X25519Agreement();
    agreement.init(sk);
    byte[] out = new byte[KEY_BYTES];
    try {
      agreement.calculateAgreement(new X25519PublicKeyParameters(peer, off), out, 0);
    } catch (IllegalStateException e) {
      throw new CryptoException(
          CryptoException.Reason.INVALID_PUBLIC_KEY, "X25519 public key is a low-order point");
    }
    return Secret.adopt(out);
  }
}
