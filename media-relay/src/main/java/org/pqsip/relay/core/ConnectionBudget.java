package org.pqsip.relay.core;

import java.net.InetAddress;

/**
 * How many TCP/TLS connections the relay holds: at most {@code maxTotal}, at most
 * {@code maxPerSource} from one source (counted in 4,096 buckets by a keyed hash of the address,
 * an IPv6 source by its /64, so no address is stored and nobody can aim at another's bucket), and
 * a connection that has not allocated is closed after {@code idleNanos}, or after the shorter
 * {@code pressuredIdleNanos} once more than half the budget is in use (an idle flood then frees
 * its slots quickly). Shared by the event loops (a source's connections land on any of them):
 * synchronized, once per accept and close, never per packet. Sans-IO.
 */
public final class ConnectionBudget {
  private static final int BITS = 12;
  private final int maxTotal;
  private final int maxPerSource;
  private final long idleNanos;
  private final long pressuredIdleNanos;
  private final int[] perSource = new int[1 << BITS];
  private final SipHash hash;
  private int total;

  public ConnectionBudget(int maxTotal, int maxPerSource, long idleNanos, long pressuredIdleNanos, byte[] key) {
    if (maxTotal < 1 || maxPerSource < 1) {
      throw new IllegalArgumentException("connection limits must be at least 1");
    }
    this.maxTotal = maxTotal;
    this.maxPerSource = maxPerSource;
    this.idleNanos = idleNanos;
    this.pressuredIdleNanos = Math.min(idleNanos, pressuredIdleNanos);
    this.hash = new SipHash(key);
  }

  /** A new connection from {@code source}: the slot to {@link #release} when it closes, or -1 (refuse it). */
  public synchronized int admit(InetAddress source) {
    if (total >= maxTotal) {
      return -1;
    }
    int b = hash.bucket(source, BITS);
    if (perSource[b] >= maxPerSource) {
      return -1;
    }
    perSource[b]++;
    total++;
    return b;
  }

  /** A connection admitted with {@code slot} closed. */
  public synchronized void release(int slot) {
    if (slot >= 0 && perSource[slot] > 0) {
      perSource[slot]--;
      total--;
    }
  }

  /** How long a connection may stay open without an allocation, now. */
  public synchronized long idleNanos() {
    return 2L * total > maxTotal ? pressuredIdleNanos : idleNanos;
  }

  public synchronized int total() {
    return total;
  }
}
