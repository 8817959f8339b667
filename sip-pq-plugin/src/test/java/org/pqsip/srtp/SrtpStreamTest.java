package org.pqsip.srtp;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.pqsip.crypto.Secret;

/**
 * SRTP between two streams keyed as the two ends of a call: round trips, and the attacks the
 * receiver must reject (srtp-tamper, srtp-replay).
 */
class SrtpStreamTest {

  static SrtpMasterKey key(SrtpSuite s, int seed) {
    byte[] k = new byte[s.keyLength()];
    byte[] salt = new byte[s.saltLength()];
    for (int i = 0; i < k.length; i++) {
      k[i] = (byte) (seed * 31 + i);
    }
    for (int i = 0; i < salt.length; i++) {
      salt[i] = (byte) (seed * 17 + i);
    }
    return new SrtpMasterKey(s, Secret.adopt(k), Secret.adopt(salt));
  }

  /** Alice's stream and Bob's stream, keyed crosswise. */
  record Pair(SrtpStream alice, SrtpStream bob) {
    static Pair of(SrtpSuite s) {
      return new Pair(new SrtpStream(key(s, 1), key(s, 2)), new SrtpStream(key(s, 2), key(s, 1)));
    }
  }

  static byte[] rtp(int seq, int ssrc, byte[] payload) {
    byte[] p = new byte[12 + payload.length];
    p[0] = (byte) 0x80;
    p[1] = 0; // PCMU
    p[2] = (byte) (seq >>> 8);
    p[3] = (byte) seq;
    p[8] = (byte) (ssrc >>> 24);
    p[9] = (byte) (ssrc >>> 16);
    p[10] = (byte) (ssrc >>> 8);
    p[11] = (byte) ssrc;
    System.arraycopy(payload, 0, p, 12, payload.length);
    return p;
  }

  @Provide
  Arbitrary<SrtpSuite> suites() {
    return Arbitraries.of(SrtpSuite.values());
  }

  @Property(tries = 200)
  void protectedPacketUnprotectsToTheSameBytes(
      @ForAll("suites") SrtpSuite suite,
      @ForAll @Size(max = 1200) byte[] payload,
      @ForAll @IntRange(min = 0, max = 65535) int seq,
      @ForAll int ssrc) {
    Pair p = Pair.of(suite);
    byte[] plain = rtp(seq, ssrc, payload);
    PacketBuffer buf = new PacketBuffer().set(plain, 0, plain.length);
    assertThat(p.alice().protectRtp(buf)).isEqualTo(SrtpResult.OK);
    assertThat(buf.getLength()).isEqualTo(plain.length + suite.tagLength());
    if (payload.length >= 16) {
      assertThat(buf.toByteArray()).isNotEqualTo(plain); // payload is encrypted
    }
    assertThat(p.bob().unprotectRtp(buf)).isEqualTo(SrtpResult.OK);
    assertThat(buf.toByteArray()).isEqualTo(plain);
  }

  @Property(tries = 200)
  void srtpTamperAttackIsRejected(
      @ForAll("suites") SrtpSuite suite,
      @ForAll @Size(min = 1, max = 300) byte[] payload,
      @ForAll @IntRange(min = 1, max = 2000) int position,
      @ForAll @IntRange(min = 1, max = 255) int flip) {
    Pair p = Pair.of(suite);
    byte[] plain = rtp(7, 0x1234, payload);
    PacketBuffer buf = new PacketBuffer().set(plain, 0, plain.length);
    p.alice().protectRtp(buf);
    int at = position % buf.getLength();
    buf.getBuffer()[at] ^= (byte) flip;
    assertThat(p.bob().unprotectRtp(buf)).isIn(SrtpResult.AUTH_FAILED, SrtpResult.INVALID);
  }

  @Property(tries = 50)
  void srtpReplayAttackIsRejected(@ForAll("suites") SrtpSuite suite, @ForAll @Size(max = 200) byte[] payload) {
    Pair p = Pair.of(suite);
    byte[] plain = rtp(100, 42, payload);
    PacketBuffer buf = new PacketBuffer().set(plain, 0, plain.length);
    p.alice().protectRtp(buf);
    byte[] wire = buf.toByteArray();
    assertThat(p.bob().unprotectRtp(new PacketBuffer().set(wire, 0, wire.length))).isEqualTo(SrtpResult.OK);
    assertThat(p.bob().unprotectRtp(new PacketBuffer().set(wire, 0, wire.length))).isEqualTo(SrtpResult.REPLAYED);
  }

  @Property(tries = 50)
  void srtcpRoundTripAndWrongKeyFails(@ForAll("suites") SrtpSuite suite, @ForAll @Size(max = 100) byte[] body) {
    Pair p = Pair.of(suite);
    byte[] rtcp = new byte[8 + body.length];
    rtcp[0] = (byte) 0x80;
    rtcp[1] = (byte) 200;
    rtcp[7] = 9;
    System.arraycopy(body, 0, rtcp, 8, body.length);
    PacketBuffer buf = new PacketBuffer().set(rtcp, 0, rtcp.length);
    assertThat(p.alice().protectRtcp(buf)).isEqualTo(SrtpResult.OK);
    byte[] wire = buf.toByteArray();
    SrtpStream eve = new SrtpStream(key(suite, 3), key(suite, 4));
    assertThat(eve.unprotectRtcp(new PacketBuffer().set(wire, 0, wire.length))).isEqualTo(SrtpResult.AUTH_FAILED);
    PacketBuffer ok = new PacketBuffer().set(wire, 0, wire.length);
    assertThat(p.bob().unprotectRtcp(ok)).isEqualTo(SrtpResult.OK);
    assertThat(ok.toByteArray()).isEqualTo(rtcp);
  }

  @Property(tries = 30)
  void truncatedAndGarbagePacketsAreInvalidNotExceptions(@ForAll("suites") SrtpSuite suite, @ForAll @Size(max = 40) byte[] junk) {
    Pair p = Pair.of(suite);
    PacketBuffer buf = new PacketBuffer().set(junk, 0, junk.length);
    assertThat(p.bob().unprotectRtp(buf)).isNotEqualTo(SrtpResult.OK);
    PacketBuffer buf2 = new PacketBuffer().set(junk, 0, junk.length);
    assertThat(p.bob().unprotectRtcp(buf2)).isNotEqualTo(SrtpResult.OK);
  }

  @Property(tries = 20)
  void spoofedSsrcsCannotLockOutTheRealPeer(@ForAll("suites") SrtpSuite suite) {
    Pair pair = Pair.of(suite);
    for (int i = 0; i < 3 * SrtpStream.MAX_REMOTE_SSRCS; i++) { // forged packets, each a new SSRC
      byte[] forged = rtp(i, 0x1000 + i, new byte[160 + suite.tagLength()]);
      PacketBuffer b = new PacketBuffer();
      b.set(forged, 0, forged.length);
      assertThat(pair.bob().unprotectRtp(b)).isNotEqualTo(SrtpResult.OK);
      byte[] forgedRtcp = new byte[8 + 4 + suite.tagLength() + 20];
      forgedRtcp[0] = (byte) 0x80;
      forgedRtcp[1] = (byte) 200;
      forgedRtcp[7] = (byte) i;
      b.set(forgedRtcp, 0, forgedRtcp.length);
      assertThat(pair.bob().unprotectRtcp(b)).isNotEqualTo(SrtpResult.OK);
    }
    PacketBuffer real = new PacketBuffer();
    byte[] p = rtp(1, 0xabcdef, new byte[160]);
    real.set(p, 0, p.length);
    assertThat(pair.alice().protectRtp(real)).isEqualTo(SrtpResult.OK);
    assertThat(pair.bob().unprotectRtp(real)).isEqualTo(SrtpResult.OK);
  }
}
