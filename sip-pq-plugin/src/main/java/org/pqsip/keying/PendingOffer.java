package org.pqsip.keying;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Optional;
import org.pqsip.crypto.CryptoException;
import org.pqsip.crypto.Hkdf;
import org.pqsip.crypto.HybridKem;
import org.pqsip.crypto.Secret;

/**
 * One offer's secrets: the ephemeral KEM key pair and the SAS nonce behind the commitment. Any
 * number of answers (forks) can be accepted against it; each yields its own {@link PqCall}.
 * A re-offer makes a new PendingOffer; this one is then destroyed.
 */
final class PendingOffer implements AutoCloseable {
  static final String COMMIT_LABEL = "pqsip-v1 commit";

  private final KeyingConfig config;
  private final HybridKem.KeyPair keyPair;
  private final byte[] nonce;
  private final KemOffer offer;

  private PendingOffer(KeyingConfig config, HybridKem.KeyPair keyPair, byte[] nonce, KemOffer offer) {
    this.config = config;
    this.keyPair = keyPair;
    this.nonce = nonce;
    this.offer = offer;
  }

  static PendingOffer create(KeyingConfig config, SecureRandom random) {
    return create(config, random, HybridKem.generate(config.kem(), random));
  }

  static PendingOffer create(KeyingConfig config, SecureRandom random, HybridKem.KeyPair kp) {
    if (kp.algorithm() != config.kem()) {
      throw new IllegalArgumentException("prepared key pair is for another algorithm");
    }
    byte[] nonce = new byte[Reveal.NONCE_BYTES];
    random.nextBytes(nonce);
    KemOffer offer =
        new KemOffer(config.kem(), kp.offerBlob(), config.device(), commitment(nonce), config.srtpSuites());
    return new PendingOffer(config, kp, nonce, offer);
  }

  /** commit = SHA-384("pqsip-v1 commit" ‖ nonce) truncated to 32 bytes. */
  static byte[] commitment(byte[] nonce) {
    return Arrays.copyOf(
        Hkdf.sha384(COMMIT_LABEL.getBytes(StandardCharsets.US_ASCII), nonce), KemOffer.COMMIT_BYTES);
  }

  KemOffer offer() {
    return offer;
  }

  PqCall accept(KemAnswer answer, PeerStore store, String peerKey) throws KeyingException {
    if (answer.algorithm() != offer.algorithm()) {
      throw new KeyingException(
          KeyingException.Reason.UNSUPPORTED, "answer uses a different KEM than the offer");
    }
    if (!offer.srtpSuites().contains(answer.srtpSuite())) {
      throw new KeyingException(
          KeyingException.Reason.NO_COMMON_SUITE, "answer chose an SRTP suite we did not offer");
    }
    Secret ikm;
    try {
      ikm = HybridKem.decapsulate(keyPair, answer.blob());
    } catch (CryptoException e) {
      throw Errors.from(e);
    }
    byte[] th = Transcript.hash(offer, answer);
    KeySchedule keys = KeySchedule.derive(ikm, th, answer.srtpSuite());
    if (!Hkdf.constantTimeEquals(keys.answerConfirmation(), answer.confirm())) {
      keys.destroy();
      throw new KeyingException(
          KeyingException.Reason.CONFIRMATION_FAILED,
          "answer failed key confirmation (tampered or man-in-the-middle)");
    }
    Optional<PeerRecord> record = store.device(answer.device());
    Continuity.Result continuity =
        Continuity.evaluate(record, answer.continuityProofs(), Role.ANSWERER, th);
    Verification v = continuity.verification();
    if (v == Verification.MISMATCH && config.refuseOnMismatch()) {
      keys.destroy();
      throw new KeyingException(
          KeyingException.Reason.CONTINUITY_MISMATCH,
          "peer device failed to prove the retained secret from earlier calls");
    }
    return PqCall.offerer(
        offer.algorithm(), answer.device(), keys, store, peerKey, record, nonce, continuity);
  }

  void destroy() {
    keyPair.destroy();
    Arrays.fill(nonce, (byte) 0);
  }

  @Override
  public void close() {
    destroy();
  }
}
