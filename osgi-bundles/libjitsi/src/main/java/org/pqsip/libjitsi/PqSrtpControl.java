package org.pqsip.libjitsi;

import java.util.Optional;
import org.jitsi.impl.neomedia.AbstractRTPConnector;
import org.jitsi.service.neomedia.AbstractSrtpControl;
import org.jitsi.service.neomedia.SrtpControlType;
import org.jitsi.service.neomedia.event.SrtpListener;
import org.jitsi.utils.MediaType;
import org.pqsip.keying.KeyingException;
import org.pqsip.keying.PqCall;
import org.pqsip.keying.Role;
import org.pqsip.keying.Verification;
import org.pqsip.negotiation.CallSecurity;
import org.pqsip.negotiation.MediaKeys;

/**
 * An SRTP control for libjitsi media streams whose keys come from a pqkem offer/answer
 * ({@link org.pqsip.negotiation.SdpNegotiator}): give it the call's {@link CallSecurity} and
 * libjitsi's own SRTP transformers protect the stream with those keys.
 *
 * <p>It reports the {@link SrtpControlType#MIKEY} slot: libjitsi's type enum is closed, Jitsi
 * keeps one control per type, and MIKEY is the one libjitsi leaves unimplemented, so SDES and
 * ZRTP controls stay where they are. The SAS and the verification reach the application through
 * the control's {@link SrtpListener}: {@code securityTurnedOn(type, SAS, control)} once the SAS is
 * known (the offerer at once, the answerer when the reveal arrives in SRTCP), and a
 * {@code securityMessageReceived} naming the verification (a {@code WARNING} for
 * {@code mismatch}, {@code new-device}, {@code downgrade}, {@code unconfirmed}).
 */
public final class PqSrtpControl extends AbstractSrtpControl<PqTransformEngine> {
  private CallSecurity security;
  private MediaType mediaType = MediaType.AUDIO;
  private boolean announced;

  public PqSrtpControl() {
    super(SrtpControlType.MIKEY);
  }

  @Override
  protected PqTransformEngine createTransformEngine() {
    return new PqTransformEngine();
  }

  /**
   * The call's keys for m-line {@code mline}: from now on the stream is SRTP with them. The
   * control takes {@code security} over and destroys it at cleanup (or when the next one comes,
   * after a rekey). The offerer also sends the reveal; the answerer waits for it.
   *
   * @throws IllegalArgumentException when the call is not keyed by pqkem on that m-line
   */
  public synchronized void setSecurity(CallSecurity security, int mline) {
    PqCall pq = security.pqCall().orElseThrow(() -> new IllegalArgumentException("the call is not keyed by pqkem"));
    MediaKeys keys = security.mediaKeys(mline)
        .orElseThrow(() -> new IllegalArgumentException("no SRTP keys for m-line " + mline));
    CallSecurity previous = this.security;
    this.security = security;
    this.announced = false;
    boolean offerer = pq.role() == Role.OFFERER;
    getTransformEngine().key(keys, offerer ? pq.revealMessage() : null, offerer ? null : this::revealArrived);
    if (previous != null && previous != security) {
      previous.destroy();
    }
    if (offerer) {
      commit(pq);
    }
    announce();
  }

  private synchronized void revealArrived(byte[] reveal) {
    Optional<PqCall> pq = Optional.ofNullable(security).flatMap(CallSecurity::pqCall);
    if (pq.isEmpty() || pq.get().isConfirmed()) {
      return; // repeats of a reveal we already took
    }
    try {
      pq.get().acceptReveal(reveal);
      commit(pq.get());
    } catch (KeyingException e) {
      tell("pqkem reveal refused: " + e.getMessage(), SrtpListener.SEVERE);
      return;
    }
    announce();
  }

  private void commit(PqCall pq) {
    try {
      pq.commitContinuity();
    } catch (KeyingException e) {
      tell("cannot store the retained secret: " + e.getMessage(), SrtpListener.WARNING);
    }
  }

  /** Once per key exchange, when the SAS is known: security on, with the SAS and the verification. */
  private void announce() {
    Optional<String> sas = sas();
    SrtpListener l = getSrtpListener();
    if (announced || sas.isEmpty() || l == null) {
      return;
    }
    announced = true;
    l.securityTurnedOn(mediaType, sas.get(), this);
    Verification v = verification().orElse(Verification.UNCONFIRMED);
    tell("pqkem " + security.kem().orElse("?") + ", SAS " + sas.get() + ", " + v.wireName(),
        v.isWarning() ? SrtpListener.WARNING : SrtpListener.INFORMATION);
  }

  private void tell(String message, int severity) {
    SrtpListener l = getSrtpListener();
    if (l != null) {
      l.securityMessageReceived(message, message, severity);
    }
  }

  /** The SAS both ends show, once known. */
  public synchronized Optional<String> sas() {
    return Optional.ofNullable(security).flatMap(CallSecurity::sas);
  }

  /** {@code new-peer}, {@code continuity}, {@code verified}, a warning, ... once known. */
  public synchronized Optional<Verification> verification() {
    return Optional.ofNullable(security).flatMap(CallSecurity::verification);
  }

  /** The user compared the SAS aloud and it matched: remember the peer device as verified. */
  public synchronized void confirmSas() throws KeyingException {
    PqCall pq = Optional.ofNullable(security).flatMap(CallSecurity::pqCall)
        .orElseThrow(() -> new IllegalStateException("no pqkem keys yet"));
    pq.markSasVerified();
  }

  @Override
  public synchronized boolean getSecureCommunicationStatus() {
    return transformEngine != null && transformEngine.keyed();
  }

  /** pqkem keys never travel in the signalling: plain SIP does not expose them. */
  @Override
  public boolean requiresSecureSignalingTransport() {
    return false;
  }

  @Override
  public void setConnector(AbstractRTPConnector connector) {
    // keys come from the SDP exchange, not from the media path
  }

  @Override
  public synchronized void start(MediaType type) {
    mediaType = type;
    announce();
  }

  @Override
  public synchronized void setSrtpListener(SrtpListener listener) {
    super.setSrtpListener(listener);
    announce();
  }

  @Override
  protected synchronized void doCleanup() {
    if (transformEngine != null) {
      transformEngine.cleanup();
    }
    if (security != null) {
      security.destroy();
      security = null;
    }
  }
}
