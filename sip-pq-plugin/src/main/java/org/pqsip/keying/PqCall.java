package org.pqsip.keying;

import java.util.List;
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
 *
 * <p>{@link #exchange()} says what the exchange is to the dialog: its {@code first}, a
 * {@code rekey} chained to the previous exchange (only a holder of the previous keys could
 * complete it, so it is the same peer: it shows that exchange's SAS and verification and stores
 * nothing), or a {@code peer-changed} exchange (in-dialog but not chained: whoever answers now
 * is a new party, with its own SAS and verification, and the user must be told).
 */
public final class PqCall implements AutoCloseable {
  /** What an exchange is to its dialog. */
  public enum Exchange {
    FIRST("first"),
    REKEY("rekey"),
    PEER_CHANGED("peer-changed");

    private final String wireName;

    Exchange(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }
  }

  private final Role role;
  private final KemAlgorithm kem;
  private final DeviceId peerDevice;
  private final KeySchedule keys;
  private final PeerStore store;
  private final String peerKey;
  private final Optional<PeerRecord> recordAtStart;
  private final byte[] expectedCommit;
  private final byte[] revealMessage;
  private final Exchange exchange;
  /** For a rekey: the first exchange of the chain, whose peer this one proved to be. */
  private final PqCall root;
  private boolean refuseOnMismatch;
  private boolean confirmed;
  private String sas;
  private Verification verification;
  private Optional<Secret> matchedSecret = Optional.empty();
  /** rs' of this exchange, derived when confirmed (not for rekeys, which store nothing). */
  private Secret nextRetained;
  private boolean continuityCommitted;
  private Optional<String> verifiedAs = Optional.empty();

  private PqCall(
      Role role,
      KemAlgorithm kem,
      DeviceId peerDevice,
      KeySchedule keys,
      PeerStore store,
      String peerKey,
      Optional<PeerRecord> recordAtStart,
      byte[] expectedCommit,
      byte[] revealMessage,
      Exchange exchange,
      PqCall root) {
    this.role = role;
    this.kem = kem;
    this.peerDevice = peerDevice;
    this.keys = keys;
    this.store = store;
    this.peerKey = peerKey;
    this.recordAtStart = recordAtStart;
    this.expectedCommit = expectedCommit;
    this.revealMessage = revealMessage;
    this.exchange = exchange;
    this.root = root;
    this.verifiedAs = recordAtStart.filter(PeerRecord::verified).flatMap(PeerRecord::identity);
  }

  static PqCall offerer(
      KemAlgorithm kem,
      DeviceId peerDevice,
      KeySchedule keys,
      PeerStore store,
      String peerKey,
      Optional<PeerRecord> record,
      byte[] nonce,
      Continuity.Result continuity,
      Exchange exchange) {
    byte[] th = keys.transcriptHash();
    byte[] reveal = Reveal.encode(nonce, Continuity.proofs(record, Role.OFFERER, th), keys);
    PqCall call =
        new PqCall(Role.OFFERER, kem, peerDevice, keys, store, peerKey, record, null, reveal, exchange, null);
    call.confirm(Sas.render(keys.sasHash(nonce)), continuity);
    return call;
  }

  static PqCall rekeyOfferer(
      KemAlgorithm kem, DeviceId peerDevice, KeySchedule keys, PeerStore store, String peerKey,
      byte[] nonce, PqCall previous) {
    byte[] reveal = Reveal.encode(nonce, List.of(), keys);
    PqCall call =
        new PqCall(Role.OFFERER, kem, peerDevice, keys, store, peerKey, Optional.empty(), null, reveal,
            Exchange.REKEY, previous.rootOrSelf());
    call.confirmed = true;
    call.sas = Sas.render(keys.sasHash(nonce));
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
      boolean refuseOnMismatch,
      Exchange exchange,
      Optional<PqCall> chainedTo) {
    PqCall call =
        new PqCall(Role.ANSWERER, kem, peerDevice, keys, store, peerKey, record, commit, null, exchange,
            chainedTo.map(PqCall::rootOrSelf).orElse(null));
    call.refuseOnMismatch = refuseOnMismatch;
    return call;
  }

  private void confirm(String sasText, Continuity.Result continuity) {
    confirmed = true;
    sas = sasText;
    verification = continuity.verification();
    matchedSecret = continuity.matched();
    nextRetained = keys.nextRetainedSecret();
  }

  private PqCall rootOrSelf() {
    return root != null ? root : this;
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

  public Exchange exchange() {
    return exchange;
  }

  /** Keys are confirmed: offerer always, answerer once the reveal message verified. */
  public boolean isConfirmed() {
    return confirmed;
  }

  /** The SAS users compare; a rekey shows the SAS of the exchange it is chained to. */
  public Optional<String> sas() {
    if (root != null && root.sas().isPresent()) {
      return root.sas();
    }
    return Optional.ofNullable(sas);
  }

  /**
   * Empty until confirmed. A rekey reports the state of the exchange it is chained to
   * ({@code unconfirmed} if that one never confirmed).
   */
  public Optional<Verification> verification() {
    if (!confirmed) {
      return Optional.empty();
    }
    if (root != null) {
      return Optional.of(root.verification().orElse(Verification.UNCONFIRMED));
    }
    return Optional.of(verification);
  }

  /** The identity (address-of-record) the user verified this device as, if verified. */
  public Optional<String> verifiedIdentity() {
    if (root != null) {
      return root.verifiedIdentity();
    }
    return verification == Verification.VERIFIED ? verifiedAs : Optional.empty();
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
    if (confirmed) {
      return verification().orElseThrow();
    }
    if (root != null) {
      confirmed = true;
      sas = Sas.render(keys.sasHash(parsed.nonce()));
      return verification().orElseThrow();
    }
    Continuity.Result continuity =
        Continuity.evaluate(
            peerDevice, recordAtStart, parsed.proofs(), Role.OFFERER, keys.transcriptHash(), store.devicesOf(peerKey));
    if (continuity.verification() == Verification.MISMATCH && refuseOnMismatch) {
      throw new KeyingException(
          KeyingException.Reason.CONTINUITY_MISMATCH,
          "peer device failed to prove the retained secret from earlier calls");
    }
    confirm(Sas.render(keys.sasHash(parsed.nonce())), continuity);
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
   * and link the device to the peer's address-of-record. Idempotent. Stores nothing for a rekey
   * (the chain's first exchange did) and nothing after a {@code mismatch}: what we hold for that
   * device stays until the user confirms the SAS ({@link #markSasVerified()}).
   */
  public void commitContinuity() throws KeyingException {
    if (!isConfirmed()) {
      throw new KeyingException(
          KeyingException.Reason.WRONG_STATE, "keys not confirmed yet (no reveal received)");
    }
    if (root != null || continuityCommitted) {
      return;
    }
    continuityCommitted = true;
    if (verification == Verification.MISMATCH) {
      return;
    }
    Optional<PeerRecord> current = store.device(peerDevice);
    store.putDevice(Continuity.next(current, peerDevice, copyOfNextRetained(), matchedSecret));
    store.linkDevice(peerKey, peerDevice);
  }

  /**
   * The user compared the SAS aloud and it matched: remember this device as verified, as the
   * identity the call was placed to or received from. After a {@code mismatch} this replaces
   * what we held for the device (the user has vouched for the new secret).
   */
  public void markSasVerified() throws KeyingException {
    if (root != null) {
      root.markSasVerified();
      return;
    }
    if (!isConfirmed()) {
      throw new KeyingException(KeyingException.Reason.WRONG_STATE, "no SAS yet (no reveal received)");
    }
    if (verification == Verification.MISMATCH) {
      store.putDevice(
          new PeerRecord(peerDevice, copyOfNextRetained(), Optional.empty(), true, false, Optional.of(peerKey)));
      store.linkDevice(peerKey, peerDevice);
      continuityCommitted = true;
    } else {
      commitContinuity();
      store.device(peerDevice).ifPresent(r -> store.putDevice(r.withVerified(true, Optional.of(peerKey))));
    }
    verification = Verification.VERIFIED;
    verifiedAs = Optional.of(peerKey);
  }

  private Secret copyOfNextRetained() throws KeyingException {
    if (nextRetained == null || nextRetained.isDestroyed()) {
      throw new KeyingException(KeyingException.Reason.WRONG_STATE, "this exchange's keys are already wiped");
    }
    byte[] b = nextRetained.exposeSecretBytes();
    return Secret.copyOf(b, 0, b.length);
  }

  /** Wipes the PRK and everything derived from it that this object holds. */
  public void destroy() {
    keys.destroy();
    if (nextRetained != null) {
      nextRetained.destroy();
    }
  }

  @Override
  public void close() {
    destroy();
  }

  @Override
  public String toString() {
    return "PqCall[" + role + ", " + kem.wireName() + ", " + keys.suite() + ", " + exchange.wireName() + "]";
  }
}
