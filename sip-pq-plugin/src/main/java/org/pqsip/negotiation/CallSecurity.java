package org.pqsip.negotiation;

import java.util.List;
import java.util.Optional;
import org.pqsip.keying.KeyingException;
import org.pqsip.keying.PqCall;
import org.pqsip.keying.Role;
import org.pqsip.keying.Verification;
import org.pqsip.srtp.SrtpSuite;

/**
 * The security state of a negotiated call: what protects it, with which algorithms, and who is
 * on the other end. Values shown to users come from here ({@code security}, {@code kem},
 * {@code srtp}, {@code sas}, {@code verification}).
 */
public final class CallSecurity {
  private final Security security;
  private final Optional<PqCall> pq;
  private final List<MediaKeys> sdesKeys;
  private final Verification unsecuredVerification;
  private final Optional<KeyingException> note;

  private CallSecurity(
      Security security,
      Optional<PqCall> pq,
      List<MediaKeys> sdesKeys,
      Verification unsecuredVerification,
      Optional<KeyingException> note) {
    this.security = security;
    this.pq = pq;
    this.sdesKeys = List.copyOf(sdesKeys);
    this.unsecuredVerification = unsecuredVerification;
    this.note = note;
  }

  static CallSecurity pq(PqCall call) {
    return new CallSecurity(Security.PQ, Optional.of(call), List.of(), null, Optional.empty());
  }

  static CallSecurity sdes(List<MediaKeys> keys, Verification v, Optional<KeyingException> note) {
    return new CallSecurity(Security.SDES, Optional.empty(), keys, v, note);
  }

  static CallSecurity none(Verification v, Optional<KeyingException> note) {
    return new CallSecurity(Security.NONE, Optional.empty(), List.of(), v, note);
  }

  public Security security() {
    return security;
  }

  public Optional<PqCall> pqCall() {
    return pq;
  }

  /** {@code mlkem1024-x25519} or {@code mlkem1024} for PQ calls. */
  public Optional<String> kem() {
    return pq.map(c -> c.kem().wireName());
  }

  public Optional<SrtpSuite> srtp() {
    if (pq.isPresent()) {
      return Optional.of(pq.get().keySchedule().suite());
    }
    return sdesKeys.stream().findFirst().map(k -> k.tx().suite());
  }

  /** The SAS; for the answerer only after the offerer's reveal message arrived. */
  public Optional<String> sas() {
    return pq.flatMap(PqCall::sas);
  }

  /** Empty only for a PQ answerer still waiting for the reveal message. */
  public Optional<Verification> verification() {
    return pq.isPresent() ? pq.get().verification() : Optional.of(unsecuredVerification);
  }

  /** Why PQ was not used although the peer tried (policy prefer), if so. */
  public Optional<KeyingException> note() {
    return note;
  }

  /** SRTP keys of m-line {@code mline}, or empty for plain RTP. */
  public Optional<MediaKeys> mediaKeys(int mline) {
    if (pq.isPresent()) {
      PqCall c = pq.get();
      Role me = c.role();
      return Optional.of(new MediaKeys(mline, c.srtpKey(mline, me), c.srtpKey(mline, me.peer())));
    }
    return sdesKeys.stream().filter(k -> k.mline() == mline).findFirst();
  }

  public void destroy() {
    pq.ifPresent(PqCall::destroy);
    sdesKeys.forEach(MediaKeys::destroy);
  }

  @Override
  public String toString() {
    return "CallSecurity[" + security.wireName() + "]";
  }
}
