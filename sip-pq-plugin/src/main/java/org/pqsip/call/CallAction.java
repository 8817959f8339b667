package org.pqsip.call;

import java.util.Map;
import java.util.Optional;
import org.pqsip.negotiation.MediaKeys;

/**
 * What a {@link CallCore} asks its driver to do: the closed set of outputs of the call state
 * machine. The driver only translates them (SIP messages, media sessions, printed events).
 */
public sealed interface CallAction {
  /**
   * Answer the request being handled (or, from a timer, the call's INVITE) with {@code code},
   * a {@code Warning} text ({@code "pqkem-…: why"}) and an SDP body, where given.
   */
  record Respond(int code, Optional<String> warning, Optional<String> sdp) implements CallAction {}

  /** Send the call's INVITE again (new transaction, same Call-ID and From) with this offer. */
  record RetryInvite(String sdp) implements CallAction {}

  /** Send this offer in a re-INVITE of the call's dialog. */
  record SendReoffer(String sdp) implements CallAction {}

  /** End the call's dialog with a BYE. */
  record Bye() implements CallAction {}

  /** Cancel the call's pending INVITE. */
  record Cancel() implements CallAction {}

  /** A second fork answered the INVITE: end that fork's dialog (the one whose answer came in). */
  record EndFork() implements CallAction {}

  /** Start media to {@code remote}, SRTP with {@code keys} if any, sending {@code reveal} if any. */
  record StartMedia(LocalSdp.Remote remote, Optional<MediaKeys> keys, Optional<byte[]> reveal) implements CallAction {}

  /**
   * New keys for the running media. {@code deferred}: keep the current keys both ways until a
   * packet authenticates under the new ones (the answerer of a re-offer).
   */
  record ChangeKeys(LocalSdp.Remote remote, Optional<MediaKeys> keys, Optional<byte[]> reveal, boolean deferred)
      implements CallAction {}

  /**
   * Restart ICE (RFC 8445 §2.4): the transport drops its agent and gathers anew, then the driver
   * hands our new ICE to {@link CallCore#iceRestarted}, which re-offers (we are the caller) or
   * answers the re-offer that asked for the restart.
   */
  record RestartIce() implements CallAction {}

  /** Forget keys given with {@code deferred} that were never confirmed; keep the current ones. */
  record AbandonPendingKeys() implements CallAction {}

  /** Tell the user: {@code incoming}, {@code established}, {@code rekeyed}, {@code peer-changed}, … */
  record Emit(String type, Map<String, Object> fields) implements CallAction {}

  /** The call is over: stop media, release its sockets, report {@code ended} with the reason. */
  record Release(String reason) implements CallAction {}
}
