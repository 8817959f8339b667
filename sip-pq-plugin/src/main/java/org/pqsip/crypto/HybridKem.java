package org.pqsip.crypto;

import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The offer/answer KEM of {@code a=pqkem}: ML-KEM-1024, optionally combined with X25519.
 *
 * <p>Offer blob = ek_mlkem (1568) ‖ pk_x25519 (32); answer blob = ct_mlkem (1568) ‖ epk_x25519
 * (32). Both sides obtain the same input keying material (IKM), X-Wing style:
 * {@code ss_mlkem ‖ ss_x25519 ‖ epk_x25519 ‖ pk_x25519} for the hybrid, {@code ss_mlkem} alone
 * for {@link KemAlgorithm#MLKEM1024}. The IKM is fed to HKDF-Extract with the transcript hash as
 * salt by the key schedule; this class does no key derivation.
 */
public final class HybridKem {
  private HybridKem() {}

  /** The offerer's ephemeral key pair. Wipe with {@link #destroy()} once the offer is settled. */
  public static final class KeyPair {
    private final KemAlgorithm algorithm;
    private final MlKem.KeyPair mlkem;
    private final byte[] x25519;
    private final byte[] offerBlob;

    private KeyPair(
        KemAlgorithm algorithm,
        MlKem.KeyPair mlkem,
        byte[] x25519,
        byte[] offerBlob) {
      this.algorithm = algorithm;
      this.mlkem = mlkem;
      this.x25519 = x25519;
      this.offerBlob = offerBlob;
    }

    public KemAlgorithm algorithm() {
      return algorithm;
    }

    public byte[] offerBlob() {
      return offerBlob.clone();
    }

    /** Wipes both private keys (ML-KEM decapsulation key and X25519 scalar). */
    public void destroy() {
      mlkem.destroy();
      X25519.wipe(x25519);
    }
  }

  /** The answerer's result: the answer blob and the IKM. */
  public record Encapsulated(byte[] answerBlob, Secret ikm) {}

  public static KeyPair generate(KemAlgorithm algorithm, SecureRandom random) {
    MlKem.KeyPair mlkem = MlKem.generate(random);
    if (!algorithm.hybrid()) {
      return new KeyPair(algorithm, mlkem, null, mlkem.encapsulationKey());
    }
    byte[] x = X25519.generate(random);
    byte[] blob = concat(mlkem.encapsulationKey(), X25519.publicKey(x));
    return new KeyPair(algorithm, mlkem, x, blob);
  }

  public static Encapsulated encapsulate(KemAlgorithm algorithm, byte[] offerBlob, SecureRandom random)
      throws CryptoException {
    checkLength("offer", offerBlob, algorithm.offerBlobLength());
    byte[] ek = Arrays.copyOfRange(offerBlob, 0, MlKem.EK_BYTES);
    MlKem.Encapsulation enc = MlKem.encapsulate(ek, random);
    if (!algorithm.hybrid()) {
      return new Encapsulated(enc.ciphertext(), enc.sharedSecret());
    }
    byte[] esk = X25519.generate(random);
    try (Secret ssMlkem = enc.sharedSecret();
        Secret ssX = X25519.agree(esk, offerBlob, MlKem.EK_BYTES)) {
      byte[] epk = X25519.publicKey(esk);
      Secret ikm = combine(ssMlkem, ssX, epk, offerBlob, MlKem.EK_BYTES);
      return new Encapsulated(concat(enc.ciphertext(), epk), ikm);
    } finally {
      X25519.wipe(esk); // the answerer's ephemeral scalar is used once
    }
  }

  public static Secret decapsulate(KeyPair keyPair, byte[] answerBlob) throws CryptoException {
    KemAlgorithm algorithm = keyPair.algorithm;
    checkLength("answer", answerBlob, algorithm.answerBlobLength());
    byte[] ct = Arrays.copyOfRange(answerBlob, 0, MlKem.CT_BYTES);
    Secret ssMlkem = MlKem.decapsulate(keyPair.mlkem, ct);
    if (!algorithm.hybrid()) {
      return ssMlkem;
    }
    try (ssMlkem;
        Secret ssX = X25519.agree(keyPair.x25519, answerBlob, MlKem.CT_BYTES)) {
      byte[] epk = Arrays.copyOfRange(answerBlob, MlKem.CT_BYTES, MlKem.CT_BYTES + 32);
      return combine(ssMlkem, ssX, epk, keyPair.offerBlob, MlKem.EK_BYTES);
    }
  }

  private static Secret combine(Secret ssMlkem, Secret ssX, byte[] epk, byte[] pkSrc, int pkOff) {
    byte[] ikm = new byte[MlKem.SS_BYTES + 32 + 32 + 32];
    System.arraycopy(ssMlkem.exposeSecretBytes(), 0, ikm, 0, 32);
    System.arraycopy(ssX.exposeSecretBytes(), 0, ikm, 32, 32);
    System.arraycopy(epk, 0, ikm, 64, 32);
    System.arraycopy(pkSrc, pkOff, ikm, 96, 32);
    return Secret.adopt(ikm);
  }

  private static void checkLength(String what, byte[] blob, int expected) throws CryptoException {
    if (blob.length != expected) {
      throw new CryptoException(
          CryptoException.Reason.BAD_LENGTH,
          "pqkem " + what + " blob must be " + expected + " bytes, got " + blob.length);
    }
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
