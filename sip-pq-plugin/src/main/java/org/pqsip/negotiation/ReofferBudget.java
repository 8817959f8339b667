package org.pqsip.negotiation;

/**
 * How many re-offers one dialog may make: a token bucket, sans-IO ({@code now} comes in). A PBX
 * re-INVITEs for holds, transfers and session refreshes, a few times a minute at most; one that
 * re-offers in a loop is making us run key exchanges (and users see warnings) for nothing.
 */
public final class ReofferBudget {
  /** Re-offers allowed at once. */
  public static final int BURST = 5;
  /** One more re-offer is allowed per this many nanoseconds. */
  public static final long REFILL_NANOS = 6_000_000_000L;

  private double tokens = BURST;
  private long last;
  private boolean started;

  /** Takes one re-offer from the budget; false when it is spent. */
  public boolean tryTake(long nowNanos) {
    if (started) {
      tokens = Math.min(BURST, tokens + (double) (nowNanos - last) / REFILL_NANOS);
    }
    started = true;
    last = nowNanos;
    if (tokens < 1) {
      return false;
    }
    tokens -= 1;
    return true;
  }

  /** Gives back the re-offer just taken: the same offer is handled again (after an ICE restart). */
  public void refund() {
    tokens = Math.min(BURST, tokens + 1);
  }
}
