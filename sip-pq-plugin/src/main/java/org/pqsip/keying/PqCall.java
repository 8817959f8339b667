package org.pqsip.keying;

import java.util.Optional;
import org.pqsip.crypto.Hkdf;
import org.pqsip.crypto.KemAlgorithm;
import org.pqsip.crypto.Secret;
import org.pqsip.srtp.SrtpMasterKey;

/**
 * The keys of one successful pqkem exchange, seen from one side, and what they tell about the
 * peer. Sans-IO: the caller moves the reveal message to the peer and feeds it back.
 *
 * <p>The offerer is confirmed as soon as the answer's MAC verifies; it then has the SAS, a
 * verification state and a {@link #revealMessage()} to send. The answerer is confirmed when that
 * reveal message arrives ({@link #acceptReveal(byte[])}): only then does it know the SAS and the
 * verification state. Until then {@link #sas()} and {@link #verification()} are empty.
 */
public final class PqCall implements AutoCloseable {
  private final Role role;
  private final KemAlgorithm kem;
  private final DeviceId peerDevice;
  private final KeySchedule keys;
  private final PeerStore store;
  private final String peerKey;
  private final Optional<PeerRecord> recordAtStart;
  private final byte[] expectedCommit;
  private final byte[] revealMessage;
  private boolean refuseOnMismatch;
  private String sas;
  private Verification verification;
  private java.util.Optional<org.pqsip.crypto.Secret> matchedSecret = java.util.Optional.empty();
  private boolean continuityCommitted;

  private PqCall(
      Role role,
      KemAlgorithm kem,
      DeviceId peerDevice,
      KeySchedule keys,
      PeerStore store,
      String peerKey,
      Optional<PeerRecord> recordAtStart,
      byte[] expectedCommit,
      byte[] revealMessage) {
    this.role = role;
    this.kem = kem;
    this.peerDevice = peerDevice;
    this.keys = keys;
    this.store = store;
    this.peerKey = peerKey;
    this.recordAtStart = recordAtStart;
    this.expectedCommit = expectedCommit;
    this.revealMessage = revealMessage;
  }

  static PqCall offerer(
      KemAlgorithm kem,
      DeviceId peerDevice,
      KeySchedule keys,
      PeerStore store,
      String peerKey,
      Optional<PeerRecord> record,
      byte[] nonce,
      Continuity.Result continuity) {
    byte[] th = keys.transcriptHash();
    byte[] reveal = Reveal.encode(nonce, Continuity.proofs(record, Role.OFFERER, th), keys);
    PqCall call =
        new PqCall(Role.OFFERER, kem, peerDevice, keys, store, peerKey, record, null, reveal);
    call.sas = Sas.render(keys.sasHash(nonce));
    call.verification = continuity.verification();
    call.matchedSecret = continuity.matched();
    return call;
  }

  static PqCall answerer(
      KemAlgorithm kem,
      DeviceId peerDevice,
      KeySchedule keys,
      PeerStore store,
      String peerKey,
      Optional<PeerRecord> record,
      byte[] commit,
      boolean refuseOnMismatch) {
    PqCall call =
        new PqCall(Role.ANSWERER, kem, peerDevice, keys, store, peerKey, record, commit, null);
    call.refuseOnMismatch = refuseOnMismatch;
    return call;
  }

  public Role role() {
    return role;
  }

  public KemAlgorithm kem() {
    return kem;
  }

  public DeviceId peerDevice() {
    return peerDevice;
  }

  /** Keys are confirmed: offerer always, answerer once the reveal message verified. */
  public boolean isConfirmed() {
    return verification != null;
  }

  public Optional<String> sas() {
    return Optional.ofNullable(sas);
  }

  public Optional<Verification> verification() {
    return Optional.ofNullable(verification);
  }

  /** Length of the reveal message (docs/PROTOCOL.md §5.2). */
  public static final int REVEAL_LENGTH = Reveal.LENGTH;

  /** The offerer's 82-byte reveal message, to be delivered end-to-end to the answerer. */
  public byte[] revealMessage() {
    if (role != Role.OFFERER) {
      throw new IllegalStateException("only the offerer sends a reveal message");
    }
    return revealMessage.clone();
  }

  /**
   * Answerer: checks the reveal message (MAC = offerer's key confirmation, commitment opening) and
   * then computes the SAS and the verification state. A second identical reveal is ignored.
   */
  public Verification acceptReveal(byte[] message) throws KeyingException {
    if (role != Role.ANSWERER) {
      throw new KeyingException(KeyingException.Reason.WRONG_STATE, "offerer got a reveal");
    }
    Reveal.Parsed parsed = Reveal.decode(message, keys);
    if (!Hkdf.constantTimeEquals(expectedCommit, PendingOffer.commitment(parsed.nonce()))) {
      throw new KeyingException(
          KeyingException.Reason.COMMITMENT_MISMATCH, "revealed nonce does not open the commitment");
    }
    Continuity.Result continuity =
        Continuity.evaluate(recordAtStart, parsed.proofs(), Role.OFFERER, keys.transcriptHash());
    Verification v = continuity.verification();
    if (v == Verification.MISMATCH && refuseOnMismatch) {
      throw new KeyingException(
          KeyingException.Reason.CONTINUITY_MISMATCH,
          "peer device failed to prove the retained secret from earlier calls");
    }
    if (verification == null) {
      sas = Sas.render(keys.sasHash(parsed.nonce()));
      verification = v;
      matchedSecret = continuity.matched();
    }
    return verification;
  }

  /** SRTP master key and salt used by {@code sender} on m-line {@code mline}. */
  public SrtpMasterKey srtpKey(int mline, Role sender) {
    return keys.srtpKey(mline, sender);
  }

  public KeySchedule keySchedule() {
    return keys;
  }

  /**
   * After the call is confirmed and accepted: store the new retained secret for the peer device
   * and remember the peer as PQ-capable. Idempotent.
   */
  public void commitContinuity() throws KeyingException {
    if (!isConfirmed()) {
      throw new KeyingException(
          KeyingException.Reason.WRONG_STATE, "keys not confirmed yet (no reveal received)");
    }
    if (continuityCommitted) {
      return;
    }
    continuityCommitted = true;
    Secret next = keys.nextRetainedSecret();
    Optional<PeerRecord> current = store.device(peerDevice);
    store.putDevice(Continuity.next(current, peerDevice, next, verification, matchedSecret));
    store.markPqCapable(peerKey);
  }

  /** The user compared the SAS aloud and it matched: remember this device as verified. */
  public void markSasVerified() throws KeyingException {
    commitContinuity();
    store.device(peerDevice).ifPresent(r -> store.putDevice(r.withVerified(true)));
    verification = Verification.VERIFIED;
  }

  public void destroy() {
    keys.destroy();
  }

  @Override
  public void close() {
    destroy();
  }

  @Override
  public String toString() {
    return "PqCall[" + role + ", " + kem.wireName() + ", " + keys.suite() + "]";
  }
}
