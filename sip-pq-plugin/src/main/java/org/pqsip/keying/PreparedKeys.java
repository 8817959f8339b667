package org.pqsip.keying;

import java.security.SecureRandom;
import org.pqsip.crypto.HybridKem;
import org.pqsip.crypto.KemAlgorithm;

/**
 * An offerer's ephemeral key pair generated before it is needed, so that ML-KEM-1024 + X25519
 * key generation (about a quarter of a millisecond) leaves the call-setup path. Single use:
 * {@link #take()} hands the key pair over once; unused ones are wiped with {@link #destroy()}.
 */
public final class PreparedKeys {
  private HybridKem.KeyPair keyPair;
  private final KemAlgorithm algorithm;

  private PreparedKeys(HybridKem.KeyPair keyPair) {
    this.keyPair = keyPair;
    this.algorithm = keyPair.algorithm();
  }

  public static PreparedKeys generate(KemAlgorithm algorithm, SecureRandom random) {
    return new PreparedKeys(HybridKem.generate(algorithm, random));
  }

  public KemAlgorithm algorithm() {
    return algorithm;
  }

  synchronized HybridKem.KeyPair take() {
    if (keyPair == null) {
      throw new IllegalStateException("prepared keys already used");
    }
    HybridKem.KeyPair k = keyPair;
    keyPair = null;
    return k;
  }

  public synchronized void destroy() {
    if (keyPair != null) {
      keyPair.destroy();
      keyPair = null;
    }
  }
}
