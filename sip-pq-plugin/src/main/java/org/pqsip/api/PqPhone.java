package org.pqsip.api;

import java.util.List;

/**
 * A running PQ user agent. Registered as an OSGi service by the phone component (one per
 * {@code org.pqsip.phone} configuration); the {@code pq:} shell commands are its first user.
 *
 * <p>Methods return at once: a call's progress shows in {@link #calls()} as it happens. Bad
 * arguments throw {@link IllegalArgumentException} with a message a person can act on.
 */
public interface PqPhone {
  /** Versions, policy, where SIP listens (transport only) and what the relay answered. */
  PhoneStatus status();

  /** The calls not yet ended, oldest first. */
  List<CallInfo> calls();

  /**
   * Calls {@code sipUri}; returns the local call number.
   *
   * @throws IllegalArgumentException when it is not a {@code sip:}/{@code sips:} URI
   */
  int call(String sipUri);

  /** Ends call {@code id} (BYE, or CANCEL while ringing); false when there is no such call. */
  boolean hangup(int id);

  /**
   * The SAS of call {@code id} was compared aloud and matched: remember its peer device as
   * verified. False when there is no such call; the call shows {@code verified} once stored.
   */
  boolean confirmSas(int id);

  /** The peer devices this phone keeps retained secrets for. */
  List<PeerInfo> peers();

  /**
   * Forgets a peer device: its next call is treated as new (no continuity).
   *
   * @return false when no such device is remembered
   * @throws IllegalArgumentException when {@code deviceId} is not a device id
   */
  boolean forget(String deviceId);
}
