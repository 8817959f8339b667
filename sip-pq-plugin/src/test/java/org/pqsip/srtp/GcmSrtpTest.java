package org.pqsip.srtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.jitsi.srtp.SrtcpCryptoContext;
import org.jitsi.srtp.SrtpContextFactory;
import org.jitsi.srtp.SrtpCryptoContext;
import org.jitsi.srtp.SrtpErrorStatus;
import org.junit.jupiter.api.Test;

/**
 * Our RFC 7714 SRTP: the RFC's own RTP test vectors (section 16.1, AES-128 and AES-256), then
 * against jitsi-srtp, an independent implementation, packet for packet (same bytes out, each
 * opens the other's), across a rollover of the sequence number and with CSRCs and header
 * extensions; the replay window; and no allocation per packet.
 */
class GcmSrtpTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final String GALLIA = "8040f17b8041f8d35501a0b2"
      + "47616c6c696120657374206f6d6e697320646976697361" + "20696e20706172746573207472" + "6573";
  private static final String SALT = "517569642070726f2071756f";

  private static String protect(String sessionKey, String packet) {
    byte[] key = HEX.parseHex(sessionKey);
    byte[] salt = HEX.parseHex(SALT);
    try (GcmSrtp s = new GcmSrtp(key, salt, key, salt)) {
      PacketBuffer p = new PacketBuffer().set(HEX.parseHex(packet), 0, packet.length() / 2);
      assertThat(s.protectRtp(p)).isEqualTo(SrtpResult.OK);
      String out = HEX.formatHex(p.toByteArray());
      assertThat(s.unprotectRtp(p)).isEqualTo(SrtpResult.OK);
      assertThat(HEX.formatHex(p.toByteArray())).isEqualTo(packet);
      return out;
    }
  }

  @Test
  void rfc7714Section16_aes256() {
    assertThat(protect("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", GALLIA))
        .isEqualTo("8040f17b8041f8d35501a0b232b1de78a822fe12ef9f78fa332e33aab1801238"
            + "9a58e2f3b50b2a0276ffae0f1ba63799b87b7aa3db36dfffd6b0f9bb7878d7a76c13");
  }

  @Test
  void rfc7714Section16_aes128() {
    assertThat(protect("000102030405060708090a0b0c0d0e0f", GALLIA))
        .isEqualTo("8040f17b8041f8d35501a0b2f24de3a3fb34de6cacba861c9d7e4bcabe633bd5"
            + "0d294e6f42a5f47a51c7d19b36de3adf8833899d7f27beb16a9152cf765ee4390cce");
  }

  /** An RTP packet with {@code csrcs} CSRCs and, if {@code ext}, a two-word header extension. */
  private static byte[] rtp(Random r, int seq, int ssrc, int csrcs, boolean ext, int payload) {
    int hdr = 12 + 4 * csrcs + (ext ? 12 : 0);
    byte[] p = new byte[hdr + payload];
    r.nextBytes(p);
    p[0] = (byte) (0x80 | (ext ? 0x10 : 0) | csrcs);
    p[2] = (byte) (seq >>> 8);
    p[3] = (byte) seq;
    p[8] = (byte) (ssrc >>> 24);
    p[9] = (byte) (ssrc >>> 16);
    p[10] = (byte) (ssrc >>> 8);
    p[11] = (byte) ssrc;
    if (ext) {
      int at = 12 + 4 * csrcs;
      p[at + 2] = 0;
      p[at + 3] = 2;
    }
    return p;
  }

  @Test
  void sameBytesAsJitsiSrtp_bothWays_acrossARollover() throws Exception {
    SrtpMasterKey ours = SrtpStreamTest.key(SrtpSuite.AEAD_AES_256_GCM, 5);
    SrtpMasterKey theirs = SrtpStreamTest.key(SrtpSuite.AEAD_AES_256_GCM, 6);
    SrtpContextFactory jitsiRx = SrtpStream.contextFactory(false, SrtpStreamTest.key(SrtpSuite.AEAD_AES_256_GCM, 5));
    SrtpContextFactory jitsiTx = SrtpStream.contextFactory(true, SrtpStreamTest.key(SrtpSuite.AEAD_AES_256_GCM, 6));
    SrtpContextFactory jitsiSame = SrtpStream.contextFactory(true, SrtpStreamTest.key(SrtpSuite.AEAD_AES_256_GCM, 5));
    int ssrc = 0x1234abcd;
    SrtpCryptoContext jOpen = jitsiRx.deriveContext(ssrc, 0);
    SrtpCryptoContext jSeal = jitsiTx.deriveContext(ssrc, 0);
    SrtpCryptoContext jSame = jitsiSame.deriveContext(ssrc, 0);
    Random r = new Random(3711);
    try (GcmSrtp g = new GcmSrtp(ours, theirs)) {
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

  @Test
  void srtcpSameBytesAsJitsiSrtp_bothWays() throws Exception {
    int ssrc = 0x0badcafe;
    SrtcpCryptoContext jSame = SrtpStream.contextFactory(true, SrtpStreamTest.key(SrtpSuite.AEAD_AES_256_GCM, 5)).deriveControlContext(ssrc);
    SrtcpCryptoContext jOpen = SrtpStream.contextFactory(false, SrtpStreamTest.key(SrtpSuite.AEAD_AES_256_GCM, 5)).deriveControlContext(ssrc);
    SrtcpCryptoContext jSeal = SrtpStream.contextFactory(true, SrtpStreamTest.key(SrtpSuite.AEAD_AES_256_GCM, 6)).deriveControlContext(ssrc);
    Random r = new Random(9);
    try (GcmSrtp g = new GcmSrtp(SrtpStreamTest.key(SrtpSuite.AEAD_AES_256_GCM, 5), SrtpStreamTest.key(SrtpSuite.AEAD_AES_256_GCM, 6))) {
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

  @Test
  void replayWindow_lateButFreshPassesOnce_olderThan64IsRefused() {
    SrtpMasterKey k = SrtpStreamTest.key(SrtpSuite.AEAD_AES_256_GCM, 1);
    try (GcmSrtp tx = new GcmSrtp(k, SrtpStreamTest.key(SrtpSuite.AEAD_AES_256_GCM, 2));
        GcmSrtp rx = new GcmSrtp(SrtpStreamTest.key(SrtpSuite.AEAD_AES_256_GCM, 2), SrtpStreamTest.key(SrtpSuite.AEAD_AES_256_GCM, 1))) {
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

  @Test
  void theSenderNeverSealsTwoPacketsUnderOneIndex() {
    try (GcmSrtp tx = new GcmSrtp(SrtpStreamTest.key(SrtpSuite.AEAD_AES_256_GCM, 1), SrtpStreamTest.key(SrtpSuite.AEAD_AES_256_GCM, 2))) {
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

  private static SrtpResult open(GcmSrtp rx, byte[] packet) {
    return rx.unprotectRtp(new PacketBuffer().set(packet, 0, packet.length));
  }

  @Test
  void indexEstimate_followsRolloversBothWays() {
    assertThat(GcmSrtp.estimate(5, -1)).isEqualTo(5);
    assertThat(GcmSrtp.estimate(2, 65_530)).as("wrapped forward").isEqualTo(65_538);
    assertThat(GcmSrtp.estimate(65_530, 65_538)).as("late, from before the wrap").isEqualTo(65_530);
    assertThat(GcmSrtp.estimate(65_530, 4)).as("before the stream's first period").isNegative();
    assertThat(GcmSrtp.estimate(40_000, 10_000)).isEqualTo(40_000);
  }

  @Test
  void protectAndUnprotectAllocateNothingPerPacket() {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    try (GcmSrtp tx = new GcmSrtp(SrtpStreamTest.key(SrtpSuite.AEAD_AES_256_GCM, 1), SrtpStreamTest.key(SrtpSuite.AEAD_AES_256_GCM, 2));
        GcmSrtp rx = new GcmSrtp(SrtpStreamTest.key(SrtpSuite.AEAD_AES_256_GCM, 2), SrtpStreamTest.key(SrtpSuite.AEAD_AES_256_GCM, 1))) {
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

  private static void assertOk(SrtpResult r) {
    if (r != SrtpResult.OK) {
      throw new AssertionError(r);
    }
  }
}
