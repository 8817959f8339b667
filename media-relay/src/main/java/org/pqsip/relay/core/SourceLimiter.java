package org.pqsip.relay.core;

import java.net.InetAddress;
import java.security.SecureRandom;

/**
 * Rate limit for unauthenticated requests, per source address, in fixed memory: token buckets in a
 * hashed array (salted per process), so the relay stores no address, only counts. Sources that
 * collide share a bucket, which only makes the limit stricter for them. Single-threaded (one per
 * event loop); {@code now} in nanoseconds is an argument.
 */
public final class SourceLimiter {
  private static final int BUCKETS = 4096;
  private final double perNano;
  private final double burst;
  private final double[] tokens = new double[BUCKETS];
  private final long[] lastRefill = new long[BUCKETS];
  private final int salt = new SecureRandom().nextInt();

  /** {@code perSecond} requests per second per source with a burst of twice that. */
  public SourceLimiter(int perSecond) {
    if (perSecond < 1) {
      throw new IllegalArgumentException("the unauthenticated request rate must be at least 1 per second");
    }
    this.perNano = perSecond / 1e9;
    this.burst = 2.0 * perSecond;
    java.util.Arrays.fill(tokens, burst);
  }

  /** Takes one token from {@code source}'s bucket; false when it is empty (drop the request). */
  public boolean allow(InetAddress source, long now) {
    int h = (source.hashCode() ^ salt) * 0x9E3779B9;
    int i = h >>> (32 - 12);
    double t = Math.min(burst, tokens[i] + Math.max(0, now - lastRefill[i]) * perNano);
    lastRefill[i] = now;
    if (t < 1) {
      tokens[i] = t;
      return false;
    }
    tokens[i] = t - 1;
    return true;
  }
}
