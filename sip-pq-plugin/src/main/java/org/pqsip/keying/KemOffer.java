package org.pqsip.keying;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.pqsip.crypto.KemAlgorithm;
import org.pqsip.srtp.SrtpSuite;

/**
 * What the offerer puts in {@code a=pqkem}: the encapsulation-key blob, its device id, the
 * commitment to its SAS nonce, its SRTP suites in order of preference ({@code srtpText} is the
 * {@code srtp=} value exactly as sent, which the transcript binds; {@code srtpSuites} the ones we
 * know, in that order) and, for an in-dialog exchange, the id of the exchange it chains to.
 * Immutable; lengths have been checked against the algorithm.
 */
public record KemOffer(
    KemAlgorithm algorithm,
    byte[] blob,
    DeviceId device,
    byte[] commit,
    List<SrtpSuite> srtpSuites,
    String srtpText,
    Optional<byte[]> chain) {

  public static final int COMMIT_BYTES = 32;
  public static final int CHAIN_BYTES = KeySchedule.CHAIN_ID_BYTES;

  public KemOffer {
    blob = blob.clone();
    commit = commit.clone();
    srtpSuites = List.copyOf(srtpSuites);
    chain = chain.map(byte[]::clone);
  }

  KemOffer(KemAlgorithm algorithm, byte[] blob, DeviceId device, byte[] commit, List<SrtpSuite> suites, Optional<byte[]> chain) {
    this(algorithm, blob, device, commit, suites, suiteText(suites), chain);
  }

  /** Validates lengths and content; an offer with our own suite list text and no chain. */
  public static KemOffer of(
      KemAlgorithm algorithm, byte[] blob, DeviceId device, byte[] commit, List<SrtpSuite> suites)
      throws KeyingException {
    return of(algorithm, blob, device, commit, suites, suiteText(suites), Optional.empty());
  }

  /** Validates lengths and content; the only way input from the wire becomes an offer. */
  public static KemOffer of(
      KemAlgorithm algorithm,
      byte[] blob,
      DeviceId device,
      byte[] commit,
      List<SrtpSuite> suites,
      String srtpText,
      Optional<byte[]> chain)
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
    if (chain.isPresent() && chain.get().length != CHAIN_BYTES) {
      throw new KeyingException(
          KeyingException.Reason.BAD_LENGTH, "pqkem chain must be " + CHAIN_BYTES + " bytes");
    }
    return new KemOffer(algorithm, blob, device, commit, suites, srtpText, chain);
  }

  static String suiteText(List<SrtpSuite> suites) {
    return suites.stream().map(SrtpSuite::wireName).collect(Collectors.joining(","));
  }

  @Override
  public byte[] blob() {
    return blob.clone();
  }

  @Override
  public byte[] commit() {
    return commit.clone();
  }

  @Override
  public Optional<byte[]> chain() {
    return chain.map(byte[]::clone);
  }
}
