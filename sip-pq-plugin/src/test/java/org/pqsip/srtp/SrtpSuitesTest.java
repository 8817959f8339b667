package org.pqsip.srtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;
import org.jitsi.srtp.SrtcpCryptoContext;
import org.jitsi.srtp.SrtpContextFactory;
import org.jitsi.srtp.SrtpCryptoContext;
import org.jitsi.srtp.SrtpErrorStatus;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every suite of our SRTP ({@link GcmSrtp}, {@link CmSrtp}, through {@link SrtpStream}) against
 * jitsi-srtp, an independent implementation, packet for packet: the same bytes out for the same
 * keys and packets, each opening the other's, across a rollover of the sequence number, with
 * CSRCs and header extensions, and SRTCP; then the replay window, the sender's refusal to reuse
 * an index, and no allocation per packet.
 */
class SrtpSuitesTest {
  @ParameterizedTest
  @EnumSource(SrtpSuite.class)
  void sameBytesAsJitsiSrtp_bothWays_acrossARollover(SrtpSuite suite) throws Exception {
    SrtpMasterKey ours = SrtpStreamTest.key(suite, 5);
    SrtpMasterKey theirs = SrtpStreamTest.key(suite, 6);
    SrtpContextFactory jitsiRx = SrtpStream.contextFactory(false, SrtpStreamTest.key(suite, 5));
    SrtpContextFactory jitsiTx = SrtpStream.contextFactory(true, SrtpStreamTest.key(suite, 6));
    SrtpContextFactory jitsiSame = SrtpStream.contextFactory(true, SrtpStreamTest.key(suite, 5));
    int ssrc = 0x1234abcd;
    SrtpCryptoContext jOpen = jitsiRx.deriveContext(ssrc, 0);
    SrtpCryptoContext jSeal = jitsiTx.deriveContext(ssrc, 0);
    SrtpCryptoContext jSame = jitsiSame.deriveContext(ssrc, 0);
    Random r = new Random(3711);
    try (SrtpStream g = new SrtpStream(ours, theirs)) {
      for (int i = 0; i < 300; i++) {
        int seq = (65_400 + i) & 0xffff; // rolls over at i = 136
        byte[] plain = rtp(r, seq, ssrc, i % 3, i % 2 == 0, 1 + r.nextInt(200));
        PacketBuffer mine = new PacketBuffer().set(plain, 0, plain.length);
        PacketBuffer jitsi = new PacketBuffer().set(plain, 0, plain.length);
        assertThat(g.protectRtp(mine)).isEqualTo(SrtpResult.OK);
        assertThat(jSame.transformPacket(jitsi)).isEqualTo(SrtpErrorStatus.OK);
        assertThat(mine.toByteArray()).as("packet %d", i).isEqualTo(jitsi.toByteArray());
        assertThat(jOpen.reverseTransformPacket(mine, false)).isEqualTo(SrtpErrorStatus.OK);
        assertThat(mine.toByteArray()).isEqualTo(plain);

        PacketBuffer back = new PacketBuffer().set(plain, 0, plain.length);
        assertThat(jSeal.transformPacket(back)).isEqualTo(SrtpErrorStatus.OK);
        assertThat(g.unprotectRtp(back)).as("packet %d", i).isEqualTo(SrtpResult.OK);
        assertThat(back.toByteArray()).isEqualTo(plain);
      }
    }
  }


  @ParameterizedTest
  @EnumSource(SrtpSuite.class)
  void srtcpSameBytesAsJitsiSrtp_bothWays(SrtpSuite suite) throws Exception {
    int ssrc = 0x0badcafe;
    SrtcpCryptoContext jSame = SrtpStream.contextFactory(true, SrtpStreamTest.key(suite, 5)).deriveControlContext(ssrc);
    SrtcpCryptoContext jOpen = SrtpStream.contextFactory(false, SrtpStreamTest.key(suite, 5)).deriveControlContext(ssrc);
    SrtcpCryptoContext jSeal = SrtpStream.contextFactory(true, SrtpStreamTest.key(suite, 6)).deriveControlContext(ssrc);
    Random r = new Random(9);
    try (SrtpStream g = new SrtpStream(SrtpStreamTest.key(suite, 5), SrtpStreamTest.key(suite, 6))) {
      for (int i = 0; i < 40; i++) {
        byte[] plain = new byte[8 + 4 * r.nextInt(20)];
        r.nextBytes(plain);
        plain[0] = (byte) 0x80;
        plain[1] = (byte) 200;
        plain[4] = (byte) (ssrc >>> 24);
        plain[5] = (byte) (ssrc >>> 16);
        plain[6] = (byte) (ssrc >>> 8);
        plain[7] = (byte) ssrc;
        PacketBuffer mine = new PacketBuffer().set(plain, 0, plain.length);
        PacketBuffer jitsi = new PacketBuffer().set(plain, 0, plain.length);
        assertThat(g.protectRtcp(mine)).isEqualTo(SrtpResult.OK);
        assertThat(jSame.transformPacket(jitsi)).isEqualTo(SrtpErrorStatus.OK);
        assertThat(mine.toByteArray()).as("packet %d", i).isEqualTo(jitsi.toByteArray());
        assertThat(jOpen.reverseTransformPacket(mine)).isEqualTo(SrtpErrorStatus.OK);
        assertThat(mine.toByteArray()).isEqualTo(plain);

        PacketBuffer back = new PacketBuffer().set(plain, 0, plain.length);
        assertThat(jSeal.transformPacket(back)).isEqualTo(SrtpErrorStatus.OK);
        assertThat(g.unprotectRtcp(back)).isEqualTo(SrtpResult.OK);
        assertThat(back.toByteArray()).isEqualTo(plain);
      }
    }
  }


  @ParameterizedTest
  @EnumSource(SrtpSuite.class)
  void replayWindow_lateButFreshPassesOnce_olderThan64IsRefused(SrtpSuite suite) {
    SrtpMasterKey k = SrtpStreamTest.key(suite, 1);
    try (SrtpStream tx = new SrtpStream(k, SrtpStreamTest.key(suite, 2));
        SrtpStream rx = new SrtpStream(SrtpStreamTest.key(suite, 2), SrtpStreamTest.key(suite, 1))) {
      Random r = new Random(2);
      byte[][] sent = new byte[200][];
      for (int seq = 0; seq < 200; seq++) {
        PacketBuffer p = new PacketBuffer().set(rtp(r, seq, 7, 0, false, 20), 0, 32);
        tx.protectRtp(p);
        sent[seq] = p.toByteArray();
      }
      assertThat(open(rx, sent[100])).isEqualTo(SrtpResult.OK);
      assertThat(open(rx, sent[150])).isEqualTo(SrtpResult.OK);
      assertThat(open(rx, sent[120])).as("late, inside the window").isEqualTo(SrtpResult.OK);
      assertThat(open(rx, sent[120])).as("the same again").isEqualTo(SrtpResult.REPLAYED);
      assertThat(open(rx, sent[87])).as("63 behind").isEqualTo(SrtpResult.OK);
      assertThat(open(rx, sent[86])).as("64 behind").isEqualTo(SrtpResult.REPLAYED);
      assertThat(open(rx, sent[199])).isEqualTo(SrtpResult.OK);
      assertThat(open(rx, sent[150])).isEqualTo(SrtpResult.REPLAYED);

      byte[] report = {(byte) 0x80, (byte) 200, 0, 1, 0, 0, 0, 7};
      PacketBuffer c = new PacketBuffer().set(report, 0, report.length);
      assertThat(tx.protectRtcp(c)).isEqualTo(SrtpResult.OK);
      byte[] srtcp = c.toByteArray();
      assertThat(rx.unprotectRtcp(new PacketBuffer().set(srtcp, 0, srtcp.length))).isEqualTo(SrtpResult.OK);
      assertThat(rx.unprotectRtcp(new PacketBuffer().set(srtcp, 0, srtcp.length))).as("SRTCP again").isEqualTo(SrtpResult.REPLAYED);
    }
  }


  @ParameterizedTest
  @EnumSource(SrtpSuite.class)
  void theSenderNeverSealsTwoPacketsUnderOneIndex(SrtpSuite suite) {
    try (SrtpStream tx = new SrtpStream(SrtpStreamTest.key(suite, 1), SrtpStreamTest.key(suite, 2))) {
      Random r = new Random(5);
      assertThat(tx.protectRtp(new PacketBuffer().set(rtp(r, 500, 7, 0, false, 20), 0, 32))).isEqualTo(SrtpResult.OK);
      assertThat(tx.protectRtp(new PacketBuffer().set(rtp(r, 498, 7, 0, false, 20), 0, 32))).as("reordered: fresh").isEqualTo(SrtpResult.OK);
      PacketBuffer again = new PacketBuffer().set(rtp(r, 500, 7, 0, false, 20), 0, 32);
      byte[] before = again.toByteArray();
      assertThat(tx.protectRtp(again)).as("other text, same index").isEqualTo(SrtpResult.REPLAYED);
      assertThat(again.toByteArray()).isEqualTo(before);
      assertThat(tx.protectRtp(new PacketBuffer().set(rtp(r, 400, 7, 0, false, 20), 0, 32))).as("100 behind").isEqualTo(SrtpResult.REPLAYED);
      assertThat(tx.protectRtp(new PacketBuffer().set(rtp(r, 500, 8, 0, false, 20), 0, 32))).as("another SSRC").isEqualTo(SrtpResult.OK);
    }
  }


  @ParameterizedTest
  @EnumSource(SrtpSuite.class)
  void protectAndUnprotectAllocateNothingPerPacket(SrtpSuite suite) {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    try (SrtpStream tx = new SrtpStream(SrtpStreamTest.key(suite, 1), SrtpStreamTest.key(suite, 2));
        SrtpStream rx = new SrtpStream(SrtpStreamTest.key(suite, 2), SrtpStreamTest.key(suite, 1))) {
      byte[] plain = rtp(new Random(4), 0, 99, 0, false, 160);
      PacketBuffer p = new PacketBuffer();
      PacketBuffer c = new PacketBuffer();
      byte[] rtcp = Arrays.copyOf(new byte[] {(byte) 0x80, (byte) 200, 0, 6, 0, 0, 0, 99}, 28);
      int n = 20_000;
      long allocated = 0;
      for (int round = 0; round < 2; round++) { // the first round warms up (JIT, class loading)
        long before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        for (int i = 0; i < n; i++) {
          int seq = round * n + i;
          plain[2] = (byte) (seq >>> 8);
          plain[3] = (byte) seq;
          p.set(plain, 0, plain.length);
          assertOk(tx.protectRtp(p));
          assertOk(rx.unprotectRtp(p));
          if (i % 50 == 0) {
            c.set(rtcp, 0, rtcp.length);
            assertOk(tx.protectRtcp(c));
            assertOk(rx.unprotectRtcp(c));
          }
        }
        allocated = mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
      }
      assertThat(allocated / (double) n).as("bytes allocated per packet").isLessThan(1.0);
    }
  }


  private static SrtpResult open(SrtpStream rx, byte[] packet) {
    return rx.unprotectRtp(new PacketBuffer().set(packet, 0, packet.length));
  }
  private static void assertOk(SrtpResult r) {
    if (r != SrtpResult.OK) {
      throw new AssertionError(r);
    }
  }
  /** An RTP packet with {@code csrcs} CSRCs and, if {@code ext}, a two-word header extension. */
  private static byte[] rtp(Random r, int seq, int ssrc, int csrcs, boolean ext, int payload) {
    byte[] rest = new byte[4 * csrcs + (ext ? 12 : 0) + payload];
    r.nextBytes(rest);
    byte[] p = SrtpStreamTest.rtp(seq, ssrc, rest);
    p[0] = (byte) (0x80 | (ext ? 0x10 : 0) | csrcs);
    p[1] = (byte) r.nextInt(128);
    if (ext) {
      int at = 12 + 4 * csrcs;
      p[at + 2] = 0;
      p[at + 3] = 2;
    }
    return p;
  }
}
