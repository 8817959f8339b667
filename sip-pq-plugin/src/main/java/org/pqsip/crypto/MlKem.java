package org.pqsip.crypto;

import java.security.SecureRandom;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.SecretWithEncapsulation;
import org.bouncycastle.crypto.generators.MLKEMKeyPairGenerator;
import org.bouncycastle.crypto.kems.MLKEMExtractor;
import org.bouncycastle.crypto.kems.MLKEMGenerator;
import org.bouncycastle.crypto.params.MLKEMKeyGenerationParameters;
import org.bouncycastle.crypto.params.MLKEMParameters;
import org.bouncycastle.crypto.params.MLKEMPrivateKeyParameters;
import org.bouncycastle.crypto.params.MLKEMPublicKeyParameters;

/**
 * ML-KEM-1024 (FIPS 203) on Bouncy Castle's lightweight API, with the input checks of FIPS 203
 * §7.2 and §7.3 done here, explicitly, before anything reaches the library. Bouncy Castle types
 * stay inside this package.
 */
public final class MlKem {
  public static final int EK_BYTES = 1568;
  public static final int DK_BYTES = 3168;
  public static final int CT_BYTES = 1568;
  public static final int SS_BYTES = 32;

  private static final int Q = 3329;
  private static final int K = 4;
  private static final int T_BYTES = 384 * K;

  private MlKem() {}

  /** A decapsulation key with its encapsulation key. Wipe with {@link #destroy()}. */
  public static final class KeyPair {
    private final MLKEMPrivateKeyParameters dk;
    private final byte[] ek;

    private KeyPair(MLKEMPrivateKeyParameters dk, byte[] ek) {
      this.dk = dk;
      this.ek = ek;
    }

    public byte[] encapsulationKey() {
      return ek.clone();
    }

    /** The expanded 3168-byte decapsulation key (for known-answer tests only). */
    byte[] decapsulationKeyBytes() {
      return dk.getEncoded();
    }

    public void destroy() {
      dk.destroy();
    }
  }

  /** A ciphertext and the shared secret it carries. */
  public record Encapsulation(byte[] ciphertext, Secret sharedSecret) {}

  /** ML-KEM.KeyGen: draws d then z (32 bytes each) from {@code random}. */
  public static KeyPair generate(SecureRandom random) {
    MLKEMKeyPairGenerator gen = new MLKEMKeyPairGenerator();
    gen.init(new MLKEMKeyGenerationParameters(random, MLKEMParameters.ml_kem_1024));
    AsymmetricCipherKeyPair kp = gen.generateKeyPair();
    MLKEMPrivateKeyParameters dk = (MLKEMPrivateKeyParameters) kp.getPrivate();
    return new KeyPair(dk, ((MLKEMPublicKeyParameters) kp.getPublic()).getEncoded());
  }

  /** ML-KEM.Encaps after the encapsulation-key checks; draws m (32 bytes) from {@code random}. */
  public static Encapsulation encapsulate(byte[] ek, SecureRandom random) throws CryptoException {
    checkEncapsulationKey(ek);
    MLKEMPublicKeyParameters pk = new MLKEMPublicKeyParameters(MLKEMParameters.ml_kem_1024, ek);
    SecretWithEncapsulation swe = new MLKEMGenerator(random).generateEncapsulated(pk);
    return new Encapsulation(swe.getEncapsulation(), Secret.adopt(swe.getSecret()));
  }

  /**
   * ML-KEM.Decaps. A well-formed but wrong ciphertext yields a pseudo-random secret (implicit
   * rejection), so a tampered answer surfaces as a key-confirmation failure, not here.
   */
  public static Secret decapsulate(KeyPair keyPair, byte[] ct) throws CryptoException {
    if (ct.length != CT_BYTES) {
      throw new CryptoException(
          CryptoException.Reason.BAD_LENGTH,
          "ML-KEM-1024 ciphertext must be " + CT_BYTES + " bytes, got " + ct.length);
    }
    return Secret.adopt(new MLKEMExtractor(keyPair.dk).extractSecret(ct));
  }

  /**
   * FIPS 203 §7.2 input checking: the type check (length) and the modulus check (every 12-bit
   * coefficient of t-hat is below q = 3329, i.e. ByteEncode12(ByteDecode12(ek)) == ek).
   */
  public static void checkEncapsulationKey(byte[] ek) throws CryptoException {
    if (ek.length != EK_BYTES) {
      throw new CryptoException(
          CryptoException.Reason.BAD_LENGTH,
          "ML-KEM-1024 encapsulation key must be " + EK_BYTES + " bytes, got " + ek.length);
    }
    for (int i = 0; i < T_BYTES; i += 3) {
      int b0 = ek[i] & 0xff;
      int b1 = ek[i + 1] & 0xff;
      int b2 = ek[i + 2] & 0xff;
      int c0 = b0 | ((b1 & 0x0f) << 8);
      int c1 = (b1 >>> 4) | (b2 << 4);
      if (c0 >= Q || c1 >= Q) {
        throw new CryptoException(
            CryptoException.Reason.INVALID_PUBLIC_KEY,
            "ML-KEM-1024 encapsulation key fails the FIPS 203 modulus check");
      }
    }
  }
}
