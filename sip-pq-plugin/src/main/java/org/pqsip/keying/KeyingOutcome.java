package org.pqsip.keying;

import java.util.Optional;

/** What one offer/answer step decided about PQ keying. */
public sealed interface KeyingOutcome {
  /** pqkem succeeded: the call's SRTP keys come from {@link #call()}. */
  record Secured(PqCall call) implements KeyingOutcome {}

  /**
   * No pqkem on this call. {@code verification} is {@code downgrade} when the peer is known to be
   * PQ-capable, else {@code none}; {@code failure} says why pqkem was dropped when an attribute
   * was present but unusable (policy {@code prefer} only).
   */
  record Unsecured(Verification verification, Optional<KeyingException> failure)
      implements KeyingOutcome {}
}
