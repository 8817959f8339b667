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
 * One offer's secrets: the ephemeral KEM key pair, the SAS nonce behind the commitment and, for
 * an in-dialog offer, the secret of the exchange it chains to. The first answer that passes key
 * confirmation consumes it (forks that answer later are refused); a re-offer destroys it.
 */
final class PendingOffer implements AutoCloseable {
  static final String COMMIT_LABEL = "pqsip-v1 commit";

  private final KeyingConfig config;
  private final HybridKem.KeyPair keyPair;
  private final byte[] nonce;
  private final KemOffer offer;
  /** The exchange this offer chains to, and its K_chain; empty for a dialog's first offer. */
  private final Optional<PqCall> anchor;
  private final Optional<Secret> chainSecret;

  private PendingOffer(
      KeyingConfig config, HybridKem.KeyPair keyPair, byte[] nonce, KemOffer offer,
      Optional<PqCall> anchor, Optional<Secret> chainSecret) {
    this.config = config;
    this.keyPair = keyPair;
    this.nonce = nonce;
    this.offer = offer;
    this.anchor = anchor;
    this.chainSecret = chainSecret;
  }

  static PendingOffer create(KeyingConfig config, SecureRandom random, Optional<PqCall> anchor) {
    return create(config, random, HybridKem.generate(config.kem(), random), anchor);
  }

  static PendingOffer create(
      KeyingConfig config, SecureRandom random, HybridKem.KeyPair kp, Optional<PqCall> anchor) {
    if (kp.algorithm() != config.kem()) {
      throw new IllegalArgumentException("prepared key pair is for another algorithm");
    }
    byte[] nonce = new byte[Reveal.NONCE_BYTES];
    random.nextBytes(nonce);
    Optional<byte[]> chainId = anchor.map(a -> a.keySchedule().chainId());
    KemOffer offer =
        new KemOffer(config.kem(), kp.offerBlob(), config.device(), commitment(nonce), config.srtpSuites(), chainId);
    return new PendingOffer(
        config, kp, nonce, offer, anchor, anchor.map(a -> a.keySchedule().chainSecret()));
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
    if (answer.device().equals(config.device())) {
      throw new KeyingException(
          KeyingException.Reason.REFLECTION, "the answer carries our own device id (reflected)");
    }
    boolean chained = answer.chain().isPresent();
    if (chained && !(offer.chain().isPresent() && Arrays.equals(offer.chain().get(), answer.chain().get()))) {
      throw new KeyingException(
          KeyingException.Reason.MALFORMED_ATTRIBUTE, "answer chains to an exchange the offer did not name");
    }
    Secret ikm;
    try {
      ikm = HybridKem.decapsulate(keyPair, answer.blob());
    } catch (CryptoException e) {
      throw Errors.from(e);
    }
    byte[] th = Transcript.hash(offer, answer);
    KeySchedule keys = KeySchedule.derive(ikm, th, answer.srtpSuite(), chained ? chainSecret : Optional.empty());
    if (!Hkdf.constantTimeEquals(keys.answerConfirmation(), answer.confirm())) {
      keys.destroy();
      throw new KeyingException(
          KeyingException.Reason.CONFIRMATION_FAILED,
          chained
              ? "rekey failed key confirmation: the answerer does not hold this call's keys (keeping the current keys)"
              : "answer failed key confirmation (tampered or man-in-the-middle)");
    }
    if (chained) {
      return PqCall.rekeyOfferer(offer.algorithm(), answer.device(), keys, store, peerKey, nonce, anchor.orElseThrow());
    }
    Optional<PeerRecord> record = store.device(answer.device());
    Continuity.Result continuity =
        Continuity.evaluate(answer.device(), record, answer.continuityProofs(), Role.ANSWERER, th, store.devicesOf(peerKey));
    if (continuity.verification() == Verification.MISMATCH && config.refuseOnMismatch()) {
      keys.destroy();
      throw new KeyingException(
          KeyingException.Reason.CONTINUITY_MISMATCH,
          "peer device failed to prove the retained secret from earlier calls");
    }
    PqCall.Exchange kind = anchor.isPresent() ? PqCall.Exchange.PEER_CHANGED : PqCall.Exchange.FIRST;
    return PqCall.offerer(
        offer.algorithm(), answer.device(), keys, store, peerKey, record, nonce, continuity, kind);
  }

  void destroy() {
    keyPair.destroy();
    Arrays.fill(nonce, (byte) 0);
    chainSecret.ifPresent(Secret::destroy);
  }

  @Override
  public void close() {
    destroy();
  }
}
