package org.pqsip.keying;

import java.security.SecureRandom;
import java.util.Optional;
import org.pqsip.crypto.CryptoException;
import org.pqsip.crypto.HybridKem;
import org.pqsip.crypto.Secret;
import org.pqsip.srtp.SrtpSuite;

/**
 * pqkem keying for one dialog, one side: a sans-IO state machine. It never reads a clock, opens a
 * socket or starts a thread; randomness comes from the {@link SecureRandom} given to it.
 *
 * <p>Offerer: {@link #createOffer()} then {@link #onAnswer(Optional)} (once per forked answer).
 * Answerer: {@link #onOffer(Optional)}. A re-INVITE calls {@link #createOffer()} or {@link
 * #onOffer(Optional)} again: every offer runs a fresh key exchange with fresh ephemeral keys.
 * Policy is applied here: {@code require} turns every non-PQ outcome into {@link
 * KeyingException.Reason#PQ_REQUIRED}; {@code prefer} reports {@code downgrade} when a peer
 * known to be PQ-capable answers without PQ.
 */
public final class KeyingSession implements AutoCloseable {
  private final KeyingConfig config;
  private final PeerStore store;
  private final String peerKey;
  private final SecureRandom random;
  private PendingOffer pending;

  /**
   * @param peerKey identifies the remote party for downgrade detection (e.g. the remote AOR);
   *     it is stored only in the {@link PeerStore}, never logged
   */
  public KeyingSession(KeyingConfig config, PeerStore store, String peerKey, SecureRandom random) {
    this.config = config;
    this.store = store;
    this.peerKey = peerKey;
    this.random = random;
  }

  public KeyingConfig config() {
    return config;
  }

  /** A fresh offer (any earlier pending offer is wiped), or empty under policy {@code off}. */
  public Optional<KemOffer> createOffer() {
    return createOffer(Optional.empty());
  }

  /**
   * As {@link #createOffer()}, using an ephemeral key pair generated ahead of time (off the call
   * path, see {@link PreparedKeys}) if one is given. Each prepared key pair is used once.
   */
  public Optional<KemOffer> createOffer(Optional<PreparedKeys> prepared) {
    closePending();
    if (config.policy() == Policy.OFF) {
      prepared.ifPresent(PreparedKeys::destroy);
      return Optional.empty();
    }
    pending =
        prepared.isPresent() && prepared.get().algorithm() == config.kem()
            ? PendingOffer.create(config, random, prepared.get().take())
            : PendingOffer.create(config, random);
    return Optional.of(pending.offer());
  }

  /**
   * The answer to our latest offer; {@code answer} is empty when it carries no usable pqkem.
   * Forks: call once per forked answer; each secured outcome owns its own keys.
   */
  public KeyingOutcome onAnswer(Optional<KemAnswer> answer) throws KeyingException {
    if (answer.isPresent()) {
      if (pending == null) {
        throw new KeyingException(
            KeyingException.Reason.WRONG_STATE, "pqkem answer without a pqkem offer");
      }
      return new KeyingOutcome.Secured(pending.accept(answer.get(), store, peerKey));
    }
    return unsecured(Optional.empty());
  }

  /** An offer received; {@code offer} is empty when it carries no usable pqkem. */
  public AnswerOutcome onOffer(Optional<KemOffer> offer) throws KeyingException {
    if (offer.isEmpty() || config.policy() == Policy.OFF) {
      return new AnswerOutcome(Optional.empty(), unsecured(Optional.empty()));
    }
    KemOffer o = offer.get();
    if (!config.accepts(o.algorithm())) {
      return declined(
          new KeyingException(
              KeyingException.Reason.UNSUPPORTED,
              "offer uses " + o.algorithm().wireName() + ", not allowed by local policy"));
    }
    Optional<SrtpSuite> suite = o.srtpSuites().stream().filter(config.srtpSuites()::contains).findFirst();
    if (suite.isEmpty()) {
      return declined(
          new KeyingException(
              KeyingException.Reason.NO_COMMON_SUITE, "no SRTP suite in common with the offer"));
    }
    HybridKem.Encapsulated enc;
    try {
      enc = HybridKem.encapsulate(o.algorithm(), o.blob(), random);
    } catch (CryptoException e) {
      return declined(Errors.from(e));
    }
    byte[] th = Transcript.hash(o, enc.answerBlob(), config.device(), suite.get());
    Secret ikm = enc.ikm();
    KeySchedule keys = KeySchedule.derive(ikm, th, suite.get());
    Optional<PeerRecord> record = store.device(o.device());
    KemAnswer answer =
        new KemAnswer(
            o.algorithm(),
            enc.answerBlob(),
            config.device(),
            suite.get(),
            keys.answerConfirmation(),
            Continuity.proofs(record, Role.ANSWERER, th));
    PqCall call =
        PqCall.answerer(
            o.algorithm(), o.device(), keys, store, peerKey, record, o.commit(),
            config.refuseOnMismatch());
    return new AnswerOutcome(Optional.of(answer), new KeyingOutcome.Secured(call));
  }

  /**
   * Under {@code prefer} a pqkem attribute that cannot be used (malformed, unsupported) makes the
   * call continue without PQ and say why; under {@code require} it is refused.
   */
  public AnswerOutcome declined(KeyingException why) throws KeyingException {
    if (config.policy() == Policy.REQUIRE) {
      throw why;
    }
    return new AnswerOutcome(Optional.empty(), unsecured(Optional.of(why)));
  }

  private KeyingOutcome unsecured(Optional<KeyingException> failure) throws KeyingException {
    if (config.policy() == Policy.REQUIRE) {
      throw failure.orElseGet(
          () ->
              new KeyingException(
                  KeyingException.Reason.PQ_REQUIRED,
                  "peer does not support pqkem and local policy requires it"));
    }
    boolean downgrade = config.policy() == Policy.PREFER && store.isPqCapable(peerKey);
    return new KeyingOutcome.Unsecured(
        downgrade ? Verification.DOWNGRADE : Verification.NONE, failure);
  }

  private void closePending() {
    if (pending != null) {
      pending.destroy();
      pending = null;
    }
  }

  /** Wipes the pending offer's private keys. Established {@link PqCall}s stay usable. */
  @Override
  public void close() {
    closePending();
  }
}
