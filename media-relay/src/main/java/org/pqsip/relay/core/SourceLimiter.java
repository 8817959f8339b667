package org.pqsip.relay.core;

import java.net.InetAddress;

/**
 * Rate limit for unauthenticated requests, per source, in fixed memory: token buckets in an array
 * indexed by a keyed hash (SipHash-2-4) of the source's address, so the relay stores no address,
 * only counts, and nobody without the key can pick addresses that share a bucket with a victim's.
 * An IPv6 source counts by its /64 (one subscriber's prefix: rotating addresses inside it gains
 * nothing). Each source has two buckets (two parts of its hash), each filling at half the rate,
 * and a request takes a token from the fuller: alone, a source gets the whole rate and burst; a
 * source that shares one bucket with a flooder still has the other (it is shut out only if both
 * collide: about 1 in 4 million per flooding source, against 1 in 2,000 with one bucket).
 * Shared by the event loops (a source's ports spread over them): synchronized, once per
 * unauthenticated request or new connection, never per media packet. The key and {@code now} in
 * nanoseconds are arguments.
 */
public final class SourceLimiter {
  private static final int BITS = 12;
  private static final int BUCKETS = 1 << BITS;
  private final double perNano;
  private final double burst;
  private final double[] tokens = new double[BUCKETS];
  private final long[] lastRefill = new long[BUCKETS];
  private final SipHash hash;

  /** {@code perSecond} requests per second per source with a burst of twice that; {@code key}: 16 secret bytes. */
  public SourceLimiter(int perSecond, byte[] key) {
    if (perSecond < 1) {
      throw new IllegalArgumentException("the unauthenticated request rate must be at least 1 per second");
    }
    this.perNano = perSecond / 2e9; // per bucket: half of a source's rate and burst
    this.burst = perSecond;
    this.hash = new SipHash(key);
    java.util.Arrays.fill(tokens, burst);
  }

  /** Takes one token from the fuller of {@code source}'s buckets; false when both are empty (drop the request). */
  public synchronized boolean allow(InetAddress source, long now) {
    long h = hash.source(source);
    int a = first(h);
    int b = second(h);
    refill(a, now);
    refill(b, now);
    int fuller = tokens[b] > tokens[a] ? b : a;
    if (tokens[fuller] < 1) {
      return false;
    }
    tokens[fuller] -= 1;
    return true;
  }

  private void refill(int i, long now) {
    tokens[i] = Math.min(burst, tokens[i] + Math.max(0, now - lastRefill[i]) * perNano);
    lastRefill[i] = Math.max(lastRefill[i], now);
  }

  /** A source's first bucket: the top bits of the keyed hash of its IPv4 address, or of its IPv6 /64. */
  int bucket(InetAddress source) {
    return first(hash.source(source));
  }

  /** Its second bucket: the next bits of the same hash (the same bucket as the first, now and then). */
  int secondBucket(InetAddress source) {
    return second(hash.source(source));
  }

  private static int first(long h) {
    return (int) (h >>> (64 - BITS));
  }

  private static int second(long h) {
    return (int) (h >>> (64 - 2 * BITS)) & (BUCKETS - 1);
  }
}
