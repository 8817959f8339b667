package org.pqsip.sip;

import javax.sip.ClientTransaction;
import javax.sip.Dialog;
import javax.sip.ServerTransaction;
import org.pqsip.keying.Role;
import org.pqsip.media.MediaSession;
import org.pqsip.media.MediaTransport;
import org.pqsip.negotiation.CallSecurity;
import org.pqsip.negotiation.SdpNegotiator;

/**
 * One call's state in the user agent: its dialog, its keying, its media. Mutated only under the
 * user agent's lock.
 */
final class SipCall {
  enum State {
    CALLING,
    ESTABLISHED,
    ENDED
  }

  final int id;
  final Role role;
  final long startNanos;
  final SdpNegotiator negotiator;
  final String peerKey;
  State state = State.CALLING;
  Dialog dialog;
  ClientTransaction inviteTx;
  ServerTransaction serverInviteTx;
  MediaTransport transport;
  MediaSession media;
  CallSecurity security;
  long sdpVersion = 1;
  final long sessionId;
  boolean establishedReported;
  boolean acked;
  long establishedNanos;
  /** Index of the audio m-line in the SDP (keys are derived per m-line). */
  int mline;
  /** Answerer: the security of a re-offer we answered, until its keys are confirmed. */
  CallSecurity pendingSecurity;
  /** The answerer's reveal never came: the call goes on, shown as {@code unconfirmed}. */
  boolean revealTimedOut;
  final org.pqsip.negotiation.ReofferBudget reoffers = new org.pqsip.negotiation.ReofferBudget();

  SipCall(int id, Role role, long startNanos, SdpNegotiator negotiator, String peerKey, long sessionId) {
    this.id = id;
    this.role = role;
    this.startNanos = startNanos;
    this.negotiator = negotiator;
    this.peerKey = peerKey;
    this.sessionId = sessionId;
  }
}
