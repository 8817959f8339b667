package org.pqsip.keying;

import java.util.List;
import org.pqsip.crypto.KemAlgorithm;
import org.pqsip.srtp.SrtpSuite;

/**
 * What the offerer puts in {@code a=pqkem}: the encapsulation-key blob, its device id, the
 * commitment to its SAS nonce and its SRTP suites in order of preference. Immutable; the blob
 * length has been checked against the algorithm.
 */
public record KemOffer(
    KemAlgorithm algorithm,
    byte[] blob,
    DeviceId device,
    byte[] commit,
    List<SrtpSuite> srtpSuites) {

  public static final int COMMIT_BYTES = 32;

  public KemOffer {
    blob = blob.clone();
    commit = commit.clone();
    srtpSuites = List.copyOf(srtpSuites);
  }

  /** Validates lengths and content; the only way input from the wire becomes an offer. */
  public static KemOffer of(
      KemAlgorithm algorithm, byte[] blob, DeviceId device, byte[] commit, List<SrtpSuite> suites)
      throws KeyingException {
    if (blob.length != algorithm.offerBlobLength()) {
      throw new KeyingException(
          KeyingException.Reason.BAD_LENGTH,
          "pqkem offer blob for " + algorithm.wireName() + " must be "
              + algorithm.offerBlobLength() + " bytes, got " + blob.length);
    }
    if (commit.length != COMMIT_BYTES) {
      throw new KeyingException(
          KeyingException.Reason.BAD_LENGTH, "pqkem commit must be " + COMMIT_BYTES + " bytes");
    }
    if (suites.isEmpty()) {
      throw new KeyingException(
          KeyingException.Reason.NO_COMMON_SUITE, "pqkem offer lists no known SRTP suite");
    }
    return new KemOffer(algorithm, blob, device, commit, suites);
  }

  @Override
  public byte[] blob() {
    return blob.clone();
  }

  @Override
  public byte[] commit() {
    return commit.clone();
  }
}
