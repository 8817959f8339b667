package org.pqsip.negotiation;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.pqsip.crypto.Secret;
import org.pqsip.keying.AnswerOutcome;
import org.pqsip.keying.KemAnswer;
import org.pqsip.keying.KemOffer;
import org.pqsip.keying.KeyingConfig;
import org.pqsip.keying.KeyingException;
import org.pqsip.keying.KeyingException.Reason;
import org.pqsip.keying.KeyingOutcome;
import org.pqsip.keying.KeyingSession;
import org.pqsip.keying.PeerStore;
import org.pqsip.keying.Policy;
import org.pqsip.keying.Verification;
import org.pqsip.sdp.MediaDescription;
import org.pqsip.sdp.PqKemAttribute;
import org.pqsip.sdp.SdesCrypto;
import org.pqsip.sdp.SessionDescription;
import org.pqsip.srtp.SrtpMasterKey;
import org.pqsip.srtp.SrtpSuite;

/**
 * Media security in SDP offer/answer for one dialog side: adds and reads {@code a=pqkem} and
 * (where policy allows) SDES {@code a=crypto}, sets the RTP profile, and reports exactly what
 * protects the call. Sans-IO like the {@link KeyingSession} it wraps.
 *
 * <p>Profiles: {@code require} offers RTP/SAVP; {@code prefer} and {@code off} offer RTP/AVP, so
 * that legacy phones that do not speak SRTP still accept the offer (best-effort SRTP, as
 * baresip's {@code mediaenc=srtp} does). An answer mirrors the offer's profile.
 *
 * <p>Security never steps down inside a dialog: once an offer/answer settled on {@code pq} (or
 * {@code sdes}), a later offer or answer that would give less is refused with {@link
 * Reason#DOWNGRADE_REFUSED} and the caller keeps the current keys, whatever the policy.
 */
public final class SdpNegotiator implements AutoCloseable {
  static final SrtpSuite SDES_SUITE = SrtpSuite.AES_CM_128_HMAC_SHA1_80;
  static final SrtpSuite SDES_SUITE_256 = SrtpSuite.AES_256_CM_HMAC_SHA1_80;

  private final KeyingConfig config;
  private final KeyingSession session;
  private final SecureRandom random;
  /** Our SDES keys in the last offer, by m-line then tag. */
  private final Map<Integer, Map<Integer, SrtpMasterKey>> offeredSdes = new HashMap<>();
  /** The best security this dialog has had: nothing later may be worse. */
  private Security dialogLevel = Security.NONE;

  public SdpNegotiator(KeyingConfig config, PeerStore store, String peerKey, SecureRandom random) {
    this.config = config;
    this.random = random;
    this.session = new KeyingSession(config, store, peerKey, random);
  }

  /** Our offer: {@code local} with its security attributes replaced by ours. */
  public SessionDescription createOffer(SessionDescription local) {
    return createOffer(local, Optional.empty());
  }

  /** As {@link #createOffer(SessionDescription)} with ephemeral keys generated ahead of time. */
  public SessionDescription createOffer(SessionDescription local, Optional<org.pqsip.keying.PreparedKeys> prepared) {
    return createOffer(local, prepared, config.policy() == Policy.REQUIRE);
  }

  /**
   * An offer with the RTP/SAVP profile whatever the policy: the retry for a legacy phone that
   * refused our RTP/AVP offer because it insists on SRTP (its SDES keys are in the offer).
   */
  public SessionDescription createSavpOffer(SessionDescription local) {
    return createOffer(local, Optional.empty(), true);
  }

  /** Whether a refused RTP/AVP offer is worth retrying as RTP/SAVP: it carried SDES keys. */
  public boolean canRetryAsSavp() {
    return config.sdes() && config.policy() != Policy.REQUIRE;
  }

  private SessionDescription createOffer(
      SessionDescription local, Optional<org.pqsip.keying.PreparedKeys> prepared, boolean savp) {
    destroyOfferedSdes();
    SessionDescription sdp = stripSecurity(local);
    Optional<KemOffer> offer = session.createOffer(prepared);
    if (offer.isPresent()) {
      sdp = sdp.withSessionAttribute(PqKemAttribute.NAME, PqKemAttribute.formatOffer(offer.get()));
    }
    String proto = savp ? "RTP/SAVP" : "RTP/AVP";
    List<MediaDescription> media = new ArrayList<>();
    for (int i = 0; i < sdp.media().size(); i++) {
      MediaDescription m = sdp.media().get(i).withProto(proto);
      if (config.sdes() && m.port() != 0) {
        Map<Integer, SrtpMasterKey> keys = new HashMap<>();
        keys.put(1, newKey(SDES_SUITE_256));
        keys.put(2, newKey(SDES_SUITE));
        for (Map.Entry<Integer, SrtpMasterKey> e : keys.entrySet()) {
          m = m.withAttribute(SdesCrypto.NAME, new SdesCrypto(e.getKey(), e.getValue()).format());
        }
        offeredSdes.put(i, keys);
      }
      media.add(m);
    }
    return sdp.withMedia(media);
  }

  /**
   * The peer's answer to our latest offer (call once per forked answer). Throws when policy
   * refuses the call or the answer's pqkem is broken: a peer that answered with pqkem uses PQ
   * keys, so continuing without them is impossible and a failed confirmation is an attack signal.
   */
  public CallSecurity acceptAnswer(SessionDescription answer) throws KeyingException {
    Optional<KemAnswer> pq = PqKemAttribute.selectAnswer(answer.attributeValues(PqKemAttribute.NAME));
    KeyingOutcome outcome = session.onAnswer(pq);
    if (outcome instanceof KeyingOutcome.Secured s) {
      destroyOfferedSdes(); // the pqkem keys win: SDES keys of the offer must not linger
      return settled(CallSecurity.pq(s.call()));
    }
    KeyingOutcome.Unsecured u = (KeyingOutcome.Unsecured) outcome;
    List<MediaKeys> sdes = new ArrayList<>();
    for (int i = 0; i < answer.media().size(); i++) {
      Map<Integer, SrtpMasterKey> ours = offeredSdes.get(i);
      Optional<SdesCrypto> theirs = firstSupported(answer.media().get(i));
      if (ours != null && theirs.isPresent() && ours.containsKey(theirs.get().tag())) {
        SrtpMasterKey tx = ours.remove(theirs.get().tag());
        if (tx.suite() != theirs.get().key().suite()) {
          throw new KeyingException(Reason.NO_COMMON_SUITE, "a=crypto answer changed the suite");
        }
        sdes.add(new MediaKeys(i, tx, theirs.get().key()));
      }
    }
    destroyOfferedSdes();
    return settled(
        sdes.isEmpty()
            ? CallSecurity.none(u.verification(), u.failure())
            : CallSecurity.sdes(sdes, u.verification(), u.failure()));
  }

  /** Whether this dialog's media have ever been protected by pqkem. */
  public boolean hasPq() {
    return session.hasPq();
  }

  /** The answerer gave up on an exchange whose reveal never came (see {@link KeyingSession#abandon}). */
  public void abandon(CallSecurity security) {
    security.pqCall().ifPresent(session::abandon);
  }

  private static int rank(Security s) {
    return switch (s) {
      case NONE -> 0;
      case SDES -> 1;
      case PQ -> 2;
    };
  }

  /** Refuses (and wipes) a result below what the dialog already had; else raises the level. */
  private CallSecurity settled(CallSecurity result) throws KeyingException {
    if (rank(result.security()) < rank(dialogLevel)) {
      result.destroy();
      throw new KeyingException(
          Reason.DOWNGRADE_REFUSED,
          "in-dialog " + result.security().wireName() + " after " + dialogLevel.wireName()
              + ": refused, the call keeps its keys");
    }
    dialogLevel = result.security();
    return result;
  }

  /** Result of answering an offer: the SDP to send and the call's security. */
  public record Answer(SessionDescription sdp, CallSecurity security) {}

  /**
   * Our answer to {@code offer}, built on {@code local} (our media, m-lines in the offer's order).
   * Throws when policy refuses the offer (the caller answers 488 with {@link
   * KeyingException#code()} in a Warning header).
   */
  public Answer answerOffer(SessionDescription offer, SessionDescription local)
      throws KeyingException {
    AnswerOutcome result;
    try {
      Optional<KemOffer> pq = PqKemAttribute.selectOffer(offer.attributeValues(PqKemAttribute.NAME));
      result = session.onOffer(pq);
    } catch (KeyingException e) {
      result = session.declined(e);
    }
    SessionDescription sdp = stripSecurity(local);
    if (result.outcome() instanceof KeyingOutcome.Secured s) {
      sdp = sdp.withSessionAttribute(PqKemAttribute.NAME, PqKemAttribute.formatAnswer(result.answer().orElseThrow()));
      return new Answer(withProtos(sdp, offer), settled(CallSecurity.pq(s.call())));
    }
    KeyingOutcome.Unsecured u = (KeyingOutcome.Unsecured) result.outcome();
    List<MediaDescription> media = new ArrayList<>();
    List<MediaKeys> keys = new ArrayList<>();
    for (int i = 0; i < sdp.media().size(); i++) {
      MediaDescription m = sdp.media().get(i);
      MediaDescription o = i < offer.media().size() ? offer.media().get(i) : null;
      Optional<SdesCrypto> theirs = Optional.empty();
      if (o != null && config.sdes() && m.port() != 0) {
        theirs = firstSupported(o);
      }
      if (theirs.isPresent()) {
        SrtpMasterKey tx = newKey(theirs.get().key().suite());
        m = m.withAttribute(SdesCrypto.NAME, new SdesCrypto(theirs.get().tag(), tx).format());
        keys.add(new MediaKeys(i, tx, theirs.get().key()));
      } else if (o != null && o.proto().equals("RTP/SAVP") && m.port() != 0) {
        keys.forEach(MediaKeys::destroy);
        throw new KeyingException(
            Reason.UNSUPPORTED, "offer requires SRTP but carries no key exchange we accept");
      }
      media.add(m);
    }
    sdp = withProtos(sdp.withMedia(media), offer);
    Verification v = u.verification();
    CallSecurity security =
        keys.isEmpty() ? CallSecurity.none(v, u.failure()) : CallSecurity.sdes(keys, v, u.failure());
    return new Answer(sdp, settled(security));
  }

  private static Optional<SdesCrypto> firstSupported(MediaDescription m) throws KeyingException {
    for (String v : m.attributeValues(SdesCrypto.NAME)) {
      Optional<SdesCrypto> c = SdesCrypto.parse(v);
      if (c.isPresent()) {
        return c;
      }
    }
    return Optional.empty();
  }

  private static SessionDescription withProtos(SessionDescription sdp, SessionDescription offer) {
    List<MediaDescription> media = new ArrayList<>();
    for (int i = 0; i < sdp.media().size(); i++) {
      MediaDescription m = sdp.media().get(i);
      media.add(i < offer.media().size() ? m.withProto(offer.media().get(i).proto()) : m);
    }
    return sdp.withMedia(media);
  }

  private static SessionDescription stripSecurity(SessionDescription sdp) {
    SessionDescription s = sdp.withoutSessionLines(l -> l.isAttribute(PqKemAttribute.NAME));
    List<MediaDescription> media = new ArrayList<>();
    for (MediaDescription m : s.media()) {
      media.add(m.withoutLines(l -> l.isAttribute(SdesCrypto.NAME) || l.isAttribute(PqKemAttribute.NAME)));
    }
    return s.withMedia(media);
  }

  private SrtpMasterKey newKey(SrtpSuite suite) {
    byte[] k = new byte[suite.keyLength()];
    byte[] s = new byte[suite.saltLength()];
    random.nextBytes(k);
    random.nextBytes(s);
    return new SrtpMasterKey(suite, Secret.adopt(k), Secret.adopt(s));
  }

  private void destroyOfferedSdes() {
    offeredSdes.values().forEach(m -> m.values().forEach(SrtpMasterKey::destroy));
    offeredSdes.clear();
  }

  @Override
  public void close() {
    destroyOfferedSdes();
    session.close();
  }
}
