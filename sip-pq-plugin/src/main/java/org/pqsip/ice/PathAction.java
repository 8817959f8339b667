package org.pqsip.ice;

import java.util.OptionalInt;

/**
 * What the {@link PathPolicy} asks its driver (the ICE adapter) to do, or reports: the closed
 * set of its outputs. Pairs are the driver's own ids.
 */
public sealed interface PathAction {
  /** Nominate this pair (controlling side only; ICE regular nomination). */
  record Nominate(int pair) implements PathAction {}

  /** Send media on {@code pair}, and every packet also on {@code alsoOn} while it is present. */
  record Send(int pair, OptionalInt alsoOn) implements PathAction {}

  /** Send a connectivity check on this pair now and report {@link PathPolicy#probeSucceeded} if answered. */
  record Probe(int pair) implements PathAction {}

  /** The first path of the call was chosen, {@code afterMillis} after checks started. */
  record Selected(PathKind kind, long afterMillis) implements PathAction {}

  /** Media moved paths mid-call; {@code gapMillis}: last packet on the old path to the first on the new. */
  record Switched(PathKind from, PathKind to, long gapMillis) implements PathAction {}

  /** Our address changed: ICE must restart (a re-INVITE chained to the current keys). */
  record Restart() implements PathAction {}
}
