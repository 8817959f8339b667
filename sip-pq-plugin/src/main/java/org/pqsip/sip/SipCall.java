package org.pqsip.sip;

import javax.sip.ClientTransaction;
import javax.sip.Dialog;
import javax.sip.ServerTransaction;
import org.pqsip.call.CallCore;
import org.pqsip.media.CallMedia;
import org.pqsip.media.MediaTransport;

/**
 * What the driver keeps for one call next to its {@link CallCore}: the JAIN-SIP dialog and
 * transactions, the media sockets and session. Mutated only under the call's lock.
 */
final class SipCall {
  final CallCore core;
  Dialog dialog;
  /** A second fork's dialog, until the core's EndFork ends it. */
  Dialog forkDialog;
  ClientTransaction inviteTx;
  ServerTransaction serverInviteTx;
  MediaTransport transport;
  CallMedia media;
  /** Extra headers for our 2xx to the INVITE (the trunk gateway's verification header). */
  java.util.Map<String, String> answerHeaders = java.util.Map.of();

  SipCall(CallCore core) {
    this.core = core;
  }

  int id() {
    return core.id();
  }

  boolean ended() {
    return core.state() == CallCore.State.ENDED;
  }
}
