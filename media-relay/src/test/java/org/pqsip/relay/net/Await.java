package org.pqsip.relay.net;

import java.time.Duration;

/** Waits for an event with a deadline, checking it again and again (no sleeps); fails naming what did not happen. */
final class Await {
  /** The event waited for; may do I/O (a metrics scrape). */
  interface Condition {
    boolean holds() throws Exception;
  }

  private Await() {}

  static void until(Condition event, Duration within, String what) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (!event.holds()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + within.toSeconds() + " s: " + what);
      }
      Thread.onSpinWait();
    }
  }
}
