package org.pqsip.keying;

import org.pqsip.crypto.CryptoException;

/** Maps primitive-level input errors to keying errors, in one place. */
final class Errors {
  private Errors() {}

  static KeyingException from(CryptoException e) {
    KeyingException.Reason r =
        switch (e.reason()) {
          case BAD_LENGTH -> KeyingException.Reason.BAD_LENGTH;
          case INVALID_PUBLIC_KEY, INVALID_CIPHERTEXT -> KeyingException.Reason.INVALID_PUBLIC_KEY;
        };
    return new KeyingException(r, e.getMessage());
  }
}
