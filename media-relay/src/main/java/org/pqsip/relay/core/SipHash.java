package org.pqsip.relay.core;

/**
 * SipHash-2-4 (Aumasson and Bernstein, 2012) with a 128-bit key: a keyed hash whose outputs an
 * attacker cannot predict or steer into collisions without the key. Holds its state in fields
 * (no allocation per hash): one instance per thread.
 */
final class SipHash {
  private final long k0;
  private final long k1;
  private long v0;
  private long v1;
  private long v2;
  private long v3;

  /** {@code key}: 16 bytes; copied. */
  SipHash(byte[] key) {
    if (key.length != 16) {
      throw new IllegalArgumentException("a SipHash key has 16 bytes, not " + key.length);
    }
    k0 = le64(key, 0);
    k1 = le64(key, 8);
  }

  long hash(byte[] m, int off, int len) {
    v0 = 0x736f6d6570736575L ^ k0;
    v1 = 0x646f72616e646f6dL ^ k1;
    v2 = 0x6c7967656e657261L ^ k0;
    v3 = 0x7465646279746573L ^ k1;
    int end = off + (len & ~7);
    for (int i = off; i < end; i += 8) {
      long mi = le64(m, i);
      v3 ^= mi;
      round();
      round();
      v0 ^= mi;
    }
    long b = ((long) len) << 56;
    for (int i = 0; i < (len & 7); i++) {
      b |= (m[end + i] & 0xffL) << (8 * i);
    }
    v3 ^= b;
    round();
    round();
    v0 ^= b;
    v2 ^= 0xff;
    round();
    round();
    round();
    round();
    return v0 ^ v1 ^ v2 ^ v3;
  }

  private void round() {
    v0 += v1;
    v1 = Long.rotateLeft(v1, 13);
    v1 ^= v0;
    v0 = Long.rotateLeft(v0, 32);
    v2 += v3;
    v3 = Long.rotateLeft(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = Long.rotateLeft(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = Long.rotateLeft(v1, 17);
    v1 ^= v2;
    v2 = Long.rotateLeft(v2, 32);
  }

  /**
   * The bucket (of {@code 2^bits}) of a source address: the hash of an IPv4 address, or of an
   * IPv6 address's /64 (one subscriber's prefix: rotating addresses inside it gains nothing).
   */
  int bucket(java.net.InetAddress source, int bits) {
    return (int) (source(source) >>> (64 - bits));
  }

  /** The 64-bit hash of a source address: an IPv4 address, or an IPv6 address's /64. */
  long source(java.net.InetAddress source) {
    byte[] a = source.getAddress(); // the control path (accepts, unauthenticated requests), not the forwarding path
    return hash(a, 0, a.length == 16 ? 8 : a.length);
  }

  private static long le64(byte[] b, int i) {
    long r = 0;
    for (int j = 7; j >= 0; j--) {
      r = (r << 8) | (b[i + j] & 0xffL);
    }
    return r;
  }
}
