package org.pqsip.crypto;

import java.util.Optional;

/**
 * The key-encapsulation algorithms of the {@code a=pqkem} attribute, a closed set. Sizes are the
 * exact wire lengths of the offer blob (encapsulation key) and the answer blob (ciphertext).
 */
public enum KemAlgorithm {
  /** ML-KEM-1024 combined with X25519 (the default): secure while either one holds. */
  MLKEM1024_X25519("mlkem1024-x25519", MlKem.EK_BYTES + 32, MlKem.CT_BYTES + 32),
  /** ML-KEM-1024 alone, for deployments that allow only FIPS-approved algorithms. */
  MLKEM1024("mlkem1024", MlKem.EK_BYTES, MlKem.CT_BYTES);

  private final String wireName;
  private final int offerBlobLength;
  private final int answerBlobLength;

  KemAlgorithm(String wireName, int offerBlobLength, int answerBlobLength) {
    this.wireName = wireName;
    this.offerBlobLength = offerBlobLength;
    this.answerBlobLength = answerBlobLength;
  }

  public String wireName() {
    return wireName;
  }

  public int offerBlobLength() {
    return offerBlobLength;
  }

  public int answerBlobLength() {
    return answerBlobLength;
  }

  public boolean hybrid() {
    return this == MLKEM1024_X25519;
  }

  /** Exact, case-sensitive match: unknown names are ignored, never guessed. */
  public static Optional<KemAlgorithm> fromWireName(String name) {
    for (KemAlgorithm a : values()) {
      if (a.wireName.equals(name)) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }
}
