package org.pqsip.srtp;

/**
 * The receiver's replay list (RFC 3711 section 3.3.2) as a 64-packet sliding window over packet
 * indices: an index is fresh if it is above the highest seen, or within the 64 below it and not
 * seen yet. {@link #check} only asks; {@link #accept} records, after the packet authenticated.
 */
final class ReplayWindow {
  static final int SIZE = 64;

  private long highest = -1;
  private long seen; // bit i: highest - i was accepted

  boolean check(long index) {
    if (highest < 0 || index > highest) {
      return true;
    }
    long back = highest - index;
    return back < SIZE && (seen & (1L << back)) == 0;
  }

  void accept(long index) {
    if (highest < 0) {
      highest = index;
      seen = 1;
    } else if (index > highest) {
      long shift = index - highest;
      seen = shift >= SIZE ? 1 : (seen << shift) | 1;
      highest = index;
    } else {
      seen |= 1L << (highest - index);
    }
  }

  /** The highest index accepted, or -1 before the first. */
  long highest() {
    return highest;
  }
}
