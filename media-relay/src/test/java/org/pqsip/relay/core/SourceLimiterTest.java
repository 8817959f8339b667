package org.pqsip.relay.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/**
 * The rate limiter's buckets come from a keyed hash of the address bytes. The old index was
 * {@code InetAddress.hashCode()} salted afterwards: IPv6 addresses whose four 32-bit words sum to
 * the same value have the same hashCode, so an attacker could pick addresses that share a
 * victim's bucket whatever the salt.
 */
class SourceLimiterTest {
  static final long NOW = 1_000_000_000L;

  @Test
  void addressesWithEqualJdkHashCodesInDifferentPrefixesGetTheirOwnBuckets() throws Exception {
    InetAddress victim = InetAddress.getByName("2001:db8:0:1::");
    InetAddress attacker = InetAddress.getByName("2001:db8::1:0:0"); // words 2001:0db8, 0, 1, 0: the same sum
    assertThat(attacker.hashCode()).as("colliding under the old scheme").isEqualTo(victim.hashCode());
    byte[] key = new byte[16];
    key[0] = 1;
    SourceLimiter limiter = new SourceLimiter(5, key);
    assertThat(limiter.bucket(attacker)).isNotEqualTo(limiter.bucket(victim));
    for (int i = 0; i < 100; i++) {
      limiter.allow(attacker, NOW); // the attacker exhausts its own bucket
    }
    assertThat(limiter.allow(attacker, NOW)).isFalse();
    assertThat(limiter.allow(victim, NOW)).as("the victim's bucket is untouched").isTrue();
  }

  @Test
  void theKeyDecidesTheBuckets() throws Exception {
    InetAddress a = InetAddress.getByName("203.0.113.7");
    int differ = 0;
    for (int k = 0; k < 32; k++) {
      byte[] one = new byte[16];
      byte[] two = new byte[16];
      one[0] = (byte) k;
      two[0] = (byte) (k + 100);
      if (new SourceLimiter(5, one).bucket(a) != new SourceLimiter(5, two).bucket(a)) {
        differ++;
      }
    }
    assertThat(differ).isGreaterThan(28); // 4,096 buckets: a chance collision now and then at most
  }

  @Test
  void anIpv6SourceCountsByItsSlash64() throws Exception {
    SourceLimiter limiter = new SourceLimiter(5, new byte[16]);
    InetAddress first = InetAddress.getByName("2001:db8:1:2::1");
    InetAddress rotated = InetAddress.getByName("2001:db8:1:2:ffff:eeee:dddd:cccc");
    assertThat(limiter.bucket(rotated)).isEqualTo(limiter.bucket(first));
    for (int i = 0; i < 10; i++) {
      limiter.allow(first, NOW); // the burst: twice the rate
    }
    assertThat(limiter.allow(rotated, NOW)).as("a new address in the same /64 gains nothing").isFalse();
  }

  /** Collateral damage: a source that shares one of its two buckets with a flooder keeps the other. */
  @Test
  void aSourceSharingABucketWithAFlooderStillGetsThrough() throws Exception {
    byte[] key = new byte[16];
    key[3] = 7;
    SourceLimiter limiter = new SourceLimiter(5, key);
    InetAddress flooder = InetAddress.getByName("203.0.113.7");
    InetAddress sharing = null;
    for (int i = 0; i < 65536 && sharing == null; i++) {
      InetAddress candidate = InetAddress.getByAddress(new byte[] {(byte) 198, 51, (byte) (i >>> 8), (byte) i});
      boolean shares = limiter.bucket(candidate) == limiter.bucket(flooder) || limiter.secondBucket(candidate) == limiter.bucket(flooder)
          || limiter.bucket(candidate) == limiter.secondBucket(flooder) || limiter.secondBucket(candidate) == limiter.secondBucket(flooder);
      boolean sharesBoth = (limiter.bucket(candidate) == limiter.bucket(flooder) || limiter.bucket(candidate) == limiter.secondBucket(flooder))
          && (limiter.secondBucket(candidate) == limiter.bucket(flooder) || limiter.secondBucket(candidate) == limiter.secondBucket(flooder));
      if (shares && !sharesBoth && limiter.bucket(candidate) != limiter.secondBucket(candidate)) {
        sharing = candidate;
      }
    }
    assertThat(sharing).as("an address sharing one bucket with the flooder (about 1 in 1,000)").isNotNull();
    int flooded = 0;
    for (int i = 0; i < 100; i++) {
      flooded += limiter.allow(flooder, NOW) ? 1 : 0;
    }
    assertThat(flooded).as("the flooder's burst: twice the rate").isEqualTo(10);
    assertThat(limiter.allow(flooder, NOW)).isFalse();
    for (int i = 0; i < 5; i++) {
      assertThat(limiter.allow(sharing, NOW)).as("request %d of the sharing source", i).isTrue();
    }
  }

  @Test
  void aSourceGetsItsRateBackAsTimePasses() throws Exception {
    SourceLimiter limiter = new SourceLimiter(5, new byte[16]);
    InetAddress a = InetAddress.getByName("203.0.113.9");
    int first = 0;
    for (int i = 0; i < 100; i++) {
      first += limiter.allow(a, NOW) ? 1 : 0;
    }
    int later = 0;
    for (int s = 1; s <= 2; s++) {
      for (int i = 0; i < 100; i++) {
        later += limiter.allow(a, NOW + s * 1_000_000_000L) ? 1 : 0;
      }
    }
    assertThat(first).as("burst").isEqualTo(10);
    assertThat(later).as("over the next two seconds: the rate").isEqualTo(10);
  }

  @Test
  void aKeyOfTheWrongLengthIsRefused() {
    assertThatThrownBy(() -> new SourceLimiter(5, new byte[8])).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("16 bytes");
  }
}
