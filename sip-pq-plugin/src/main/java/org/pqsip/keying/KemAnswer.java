package org.pqsip.keying;

import java.util.List;
import java.util.Optional;
import org.pqsip.crypto.KemAlgorithm;
import org.pqsip.srtp.SrtpSuite;

/**
 * What the answerer puts in {@code a=pqkem}: the ciphertext blob, its device id, the chosen SRTP
 * suite, the key-confirmation MAC, zero, one or two continuity proofs and, when it chained the
 * exchange to the previous one in the dialog, that exchange's id (echoed from the offer).
 */
public record KemAnswer(
    KemAlgorithm algorithm,
    byte[] blob,
    DeviceId device,
    SrtpSuite srtpSuite,
    byte[] confirm,
    List<byte[]> continuityProofs,
    Optional<byte[]> chain) {

  public static final int CONFIRM_BYTES = 32;
  public static final int PROOF_BYTES = 16;

  public KemAnswer {
    blob = blob.clone();
    confirm = confirm.clone();
    continuityProofs = continuityProofs.stream().map(byte[]::clone).toList();
    chain = chain.map(byte[]::clone);
  }

  public static KemAnswer of(
      KemAlgorithm algorithm,
      byte[] blob,
      DeviceId device,
      SrtpSuite suite,
      byte[] confirm,
      List<byte[]> proofs)
      throws KeyingException {
    return of(algorithm, blob, device, suite, confirm, proofs, Optional.empty());
  }

  public static KemAnswer of(
      KemAlgorithm algorithm,
      byte[] blob,
      DeviceId device,
      SrtpSuite suite,
      byte[] confirm,
      List<byte[]> proofs,
      Optional<byte[]> chain)
      throws KeyingException {
    if (blob.length != algorithm.answerBlobLength()) {
      throw new KeyingException(
          KeyingException.Reason.BAD_LENGTH,
          "pqkem answer blob for " + algorithm.wireName() + " must be "
              + algorithm.answerBlobLength() + " bytes, got " + blob.length);
    }
    if (confirm.length != CONFIRM_BYTES) {
      throw new KeyingException(
          KeyingException.Reason.BAD_LENGTH, "pqkem confirm must be " + CONFIRM_BYTES + " bytes");
    }
    if (proofs.size() > 2 || proofs.stream().anyMatch(p -> p.length != PROOF_BYTES)) {
      throw new KeyingException(
          KeyingException.Reason.BAD_LENGTH,
          "pqkem rs carries at most two proofs of " + PROOF_BYTES + " bytes");
    }
    if (chain.isPresent() && chain.get().length != KemOffer.CHAIN_BYTES) {
      throw new KeyingException(
          KeyingException.Reason.BAD_LENGTH, "pqkem chain must be " + KemOffer.CHAIN_BYTES + " bytes");
    }
    return new KemAnswer(algorithm, blob, device, suite, confirm, proofs, chain);
  }

  @Override
  public byte[] blob() {
    return blob.clone();
  }

  @Override
  public byte[] confirm() {
    return confirm.clone();
  }

  @Override
  public List<byte[]> continuityProofs() {
    return continuityProofs.stream().map(byte[]::clone).toList();
  }

  @Override
  public Optional<byte[]> chain() {
    return chain.map(byte[]::clone);
  }
}
