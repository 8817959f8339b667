package org.pqsip.keying;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Optional;
import org.pqsip.crypto.CryptoException;
import org.pqsip.crypto.HybridKem;
import org.pqsip.crypto.Secret;
import org.pqsip.srtp.SrtpSuite;

/**
 * pqkem keying for one dialog, one side: a sans-IO state machine. It never reads a clock, opens a
 * socket or starts a thread; randomness comes from the {@link SecureRandom} given to it.
 *
 * <p>Offerer: {@link #createOffer()} then {@link #onAnswer(Optional)}. Answerer: {@link
 * #onOffer(Optional)}. A re-INVITE calls them again: every offer runs a fresh key exchange with
 * fresh ephemeral keys, and once the dialog has a pqkem exchange every later one is chained to
 * it (docs/PROTOCOL.md §6): the offer names the current exchange ({@code chain=}), an answerer
 * holding it mixes its K_chain into the new keys, so nobody without the current keys can
 * complete the rekey. An in-dialog exchange that is not chained is a changed peer ({@link
 * PqCall.Exchange#PEER_CHANGED}). Inside a dialog that had pqkem, an offer or answer without it is
 * refused ({@link KeyingException.Reason#DOWNGRADE_REFUSED}) whatever the policy.
 *
 * <p>Forks: the first answer that passes key confirmation consumes the offer; later forked
 * answers are refused, so one SAS nonce is never revealed to two parties.
 *
 * <p>Policy: {@code require} turns every non-PQ outcome into {@link
 * KeyingException.Reason#PQ_REQUIRED}; {@code prefer} reports {@code downgrade} when a peer known
 * to be PQ-capable offers or answers without PQ.
 */
public final class KeyingSession implements AutoCloseable {
  private final KeyingConfig config;
  private final PeerStore store;
  private final String peerKey;
  private final SecureRandom random;
  private PendingOffer pending;
  /** The dialog's latest exchange whose keys are confirmed: what the next offer chains to. */
  private PqCall current;
  /** Answerer: the latest exchange still waiting for its reveal (it may be chained to as well). */
  private PqCall candidate;

  /**
   * @param peerKey identifies the remote party for downgrade detection and its device set (e.g.
   *     the remote AOR); it is stored only in the {@link PeerStore} (keyed-hashed), never logged
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
    settle();
    if (config.policy() == Policy.OFF && !hasPq()) {
      prepared.ifPresent(PreparedKeys::destroy);
      return Optional.empty();
    }
    Optional<PqCall> anchor = Optional.ofNullable(current != null ? current : candidate);
    pending =
        prepared.isPresent() && prepared.get().algorithm() == config.kem()
            ? PendingOffer.create(config, random, prepared.get().take(), anchor)
            : PendingOffer.create(config, random, anchor);
    return Optional.of(pending.offer());
  }

  /** Whether this dialog has had a pqkem exchange: from then on it never goes without. */
  public boolean hasPq() {
    return current != null || candidate != null;
  }

  /**
   * The answer to our latest offer; {@code answer} is empty when it carries no usable pqkem.
   * The first confirmed answer consumes the offer: another fork's answer gets {@link
   * KeyingException.Reason#WRONG_STATE}.
   */
  public KeyingOutcome onAnswer(Optional<KemAnswer> answer) throws KeyingException {
    if (answer.isPresent()) {
      if (pending == null) {
        throw new KeyingException(
            KeyingException.Reason.WRONG_STATE,
            "pqkem answer without a pending pqkem offer (a late answer or a second fork)");
      }
      PqCall call = pending.accept(answer.get(), store, peerKey);
      closePending();
      current = call;
      candidate = null;
      return new KeyingOutcome.Secured(call);
    }
    if (hasPq()) {
      throw new KeyingException(
          KeyingException.Reason.DOWNGRADE_REFUSED,
          "the answer to an in-dialog offer carries no pqkem: refused, the call keeps its keys");
    }
    return unsecured(Optional.empty());
  }

  /** An offer received; {@code offer} is empty when it carries no usable pqkem. */
  public AnswerOutcome onOffer(Optional<KemOffer> offer) throws KeyingException {
    settle();
    if (offer.isEmpty() || (config.policy() == Policy.OFF && !hasPq())) {
      refuseInDialogDowngrade(Optional.empty());
      return new AnswerOutcome(Optional.empty(), unsecured(Optional.empty()));
    }
    KemOffer o = offer.get();
    if (o.device().equals(config.device())) {
      throw new KeyingException(
          KeyingException.Reason.REFLECTION, "the offer carries our own device id (reflected)");
    }
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
    Optional<PqCall> chainedTo = chainTarget(o);
    Optional<byte[]> chain = chainedTo.isPresent() ? o.chain() : Optional.empty();
    byte[] th = Transcript.hash(o, enc.answerBlob(), config.device(), suite.get(), chain);
    Optional<Secret> chainSecret = chainedTo.map(c -> c.keySchedule().chainSecret());
    KeySchedule keys;
    try {
      keys = KeySchedule.derive(enc.ikm(), th, suite.get(), chainSecret);
    } finally {
      chainSecret.ifPresent(Secret::destroy);
    }
    Optional<PeerRecord> record = chainedTo.isPresent() ? Optional.empty() : store.device(o.device());
    KemAnswer answer =
        new KemAnswer(
            o.algorithm(),
            enc.answerBlob(),
            config.device(),
            suite.get(),
            keys.answerConfirmation(),
            Continuity.proofs(record, Role.ANSWERER, th),
            chain);
    PqCall.Exchange kind =
        chainedTo.isPresent() ? PqCall.Exchange.REKEY : hasPq() ? PqCall.Exchange.PEER_CHANGED : PqCall.Exchange.FIRST;
    PqCall call =
        PqCall.answerer(
            o.algorithm(), o.device(), keys, store, peerKey, record, o.commit(),
            config.refuseOnMismatch(), kind, chainedTo);
    candidate = call;
    return new AnswerOutcome(Optional.of(answer), new KeyingOutcome.Secured(call));
  }

  /** The exchange the offer names in {@code chain=}, if we hold it. */
  private Optional<PqCall> chainTarget(KemOffer o) {
    if (o.chain().isEmpty()) {
      return Optional.empty();
    }
    byte[] id = o.chain().get();
    for (PqCall c : new PqCall[] {candidate, current}) {
      if (c != null && Arrays.equals(c.keySchedule().chainId(), id)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  /**
   * The answerer gave up waiting for the reveal of {@code call} (a rekey nobody confirmed): it is
   * no longer a chain anchor, and the dialog keeps the exchange before it.
   */
  public void abandon(PqCall call) {
    if (candidate == call) {
      candidate = null;
    }
  }

  /**
   * Under {@code prefer} a pqkem attribute that cannot be used (malformed, unsupported) makes the
   * call continue without PQ and say why; under {@code require}, or inside a dialog that already
   * had pqkem, it is refused.
   */
  public AnswerOutcome declined(KeyingException why) throws KeyingException {
    if (config.policy() == Policy.REQUIRE) {
      throw why;
    }
    refuseInDialogDowngrade(Optional.of(why));
    return new AnswerOutcome(Optional.empty(), unsecured(Optional.of(why)));
  }

  private void refuseInDialogDowngrade(Optional<KeyingException> why) throws KeyingException {
    if (hasPq()) {
      throw new KeyingException(
          KeyingException.Reason.DOWNGRADE_REFUSED,
          "in-dialog offer without usable pqkem"
              + why.map(e -> " (" + e.code() + ")").orElse("")
              + ": refused, the call keeps its keys");
    }
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

  /** An answerer's exchange whose reveal has arrived becomes the chain anchor. */
  private void settle() {
    if (candidate != null && candidate.isConfirmed()) {
      current = candidate;
      candidate = null;
    }
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
