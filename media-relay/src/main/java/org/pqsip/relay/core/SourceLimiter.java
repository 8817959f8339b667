package org.pqsip.relay.core;

import java.net.InetAddress;

/**
 * Rate limit for unauthenticated requests, per source, in fixed memory: token buckets in an array
 * indexed by a keyed hash (SipHash-2-4) of the source's address, so the relay stores no address,
 * only counts, and nobody without the key can pick addresses that share a bucket with a victim's.
 * An IPv6 source counts by its /64 (one subscriber's prefix: rotating addresses inside it gains
 * nothing). Sources that collide share a bucket, which only makes the limit stricter for them.
 * Single-threaded (one per event loop); the key and {@code now} in nanoseconds are arguments.
 */
public final class SourceLimiter {
  private static final int BUCKETS = 4096;
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
    this.perNano = perSecond / 1e9;
    this.burst = 2.0 * perSecond;
    this.hash = new SipHash(key);
    java.util.Arrays.fill(tokens, burst);
  }

  /** Takes one token from {@code source}'s bucket; false when it is empty (drop the request). */
  public boolean allow(InetAddress source, long now) {
    int i = bucket(source);
    double t = Math.min(burst, tokens[i] + Math.max(0, now - lastRefill[i]) * perNano);
    lastRefill[i] = now;
    if (t < 1) {
      tokens[i] = t;
      return false;
    }
    tokens[i] = t - 1;
    return true;
  }

  /** The bucket of a source: the keyed hash of its IPv4 address, or of its IPv6 /64. */
  int bucket(InetAddress source) {
    return hash.bucket(source, 12);
  }
}
