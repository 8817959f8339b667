package org.pqsip.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pqsip.crypto.Secret;
import org.pqsip.keying.PqCall;
import org.pqsip.media.AudioCodec;
import org.pqsip.media.MediaTransport;
import org.pqsip.media.Rtcp;
import org.pqsip.srtp.PacketBuffer;
import org.pqsip.srtp.RtcpReveal;
import org.pqsip.srtp.SrtpMasterKey;
import org.pqsip.srtp.SrtpResult;
import org.pqsip.srtp.SrtpStream;
import org.pqsip.srtp.SrtpSuite;

/**
 * The gateway's per-packet step without sockets: packets are handed to a leg as its transport
 * would, and what the legs send is kept. Each leg's peer is played by an SrtpStream with the
 * mirrored keys.
 */
class BridgeLegTest {
  private final ScheduledExecutorService reports = Executors.newSingleThreadScheduledExecutor();
  private final SecureRandom random = new SecureRandom();

  @AfterEach
  void stop() {
    reports.shutdownNow();
  }

  /** A transport that keeps what is sent; packets "arrive" by calling the leg's onPacket. */
  static final class Kept implements MediaTransport {
    final List<byte[]> rtp = new ArrayList<>();
    final List<byte[]> rtcp = new ArrayList<>();

    @Override
    public InetSocketAddress localRtp() {
      return new InetSocketAddress(0);
    }

    @Override
    public void setRemote(InetSocketAddress rtpAddr, InetSocketAddress rtcpAddr) {}

    @Override
    public synchronized void send(PacketBuffer p, boolean isRtcp) {
      (isRtcp ? rtcp : rtp).add(Arrays.copyOfRange(p.getBuffer(), p.getOffset(), p.getOffset() + p.getLength()));
      notifyAll();
    }

    @Override
    public void start(Receiver receiver) {}

    @Override
    public void close() {}

    synchronized byte[] awaitRtcp() throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (rtcp.isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("no RTCP sent within 10 s");
        }
        wait(Math.max(1, left / 1_000_000));
      }
      return rtcp.get(0);
    }
  }

  static SrtpMasterKey key(SrtpSuite s, int seed) {
    byte[] k = new byte[s.keyLength()];
    byte[] salt = new byte[s.saltLength()];
    Arrays.fill(k, (byte) seed);
    Arrays.fill(salt, (byte) (seed + 1));
    return new SrtpMasterKey(s, Secret.adopt(k), Secret.adopt(salt));
  }

  static PacketBuffer rtp(int ssrc, int seq, byte fill) {
    byte[] b = new byte[12 + 160];
    b[0] = (byte) 0x80;
    b[2] = (byte) (seq >> 8);
    b[3] = (byte) seq;
    ByteBuffer.wrap(b, 8, 4).putInt(ssrc);
    Arrays.fill(b, 12, b.length, fill);
    return new PacketBuffer().set(b, 0, b.length);
  }

  private BridgeLeg leg(Kept t, SrtpStream srtp, byte[] reveal, List<byte[]> reveals) {
    return new BridgeLeg(t, AudioCodec.PCMU, srtp, reveal, reveals::add, reports, random, () -> {});
  }

  @Test
  void srtpOnBothLegsIsReprotectedBothWays_andAForgedPacketIsDropped() {
    SrtpSuite gcm = SrtpSuite.AEAD_AES_256_GCM;
    SrtpSuite cm = SrtpSuite.AES_256_CM_HMAC_SHA1_80; // the legs need not share a suite
    Kept ta = new Kept();
    Kept tb = new Kept();
    List<byte[]> reveals = new ArrayList<>();
    try (SrtpStream phoneA = new SrtpStream(key(gcm, 1), key(gcm, 2));
        SrtpStream phoneB = new SrtpStream(key(cm, 4), key(cm, 3));
        BridgeLeg a = leg(ta, new SrtpStream(key(gcm, 2), key(gcm, 1)), null, reveals);
        BridgeLeg b = leg(tb, new SrtpStream(key(cm, 3), key(cm, 4)), null, reveals)) {
      BridgeLeg.link(a, b);
      PacketBuffer p = rtp(7, 1, (byte) 0x55);
      assertThat(phoneA.protectRtp(p)).isEqualTo(SrtpResult.OK);
      a.onPacket(p, false);
      PacketBuffer out = new PacketBuffer().set(tb.rtp.get(0), 0, tb.rtp.get(0).length);
      assertThat(phoneB.unprotectRtp(out)).isEqualTo(SrtpResult.OK);
      assertThat(out.getBuffer()[out.getOffset() + 20]).isEqualTo((byte) 0x55);

      PacketBuffer back = rtp(9, 1, (byte) 0x66);
      phoneB.protectRtp(back);
      b.onPacket(back, false);
      PacketBuffer atA = new PacketBuffer().set(ta.rtp.get(0), 0, ta.rtp.get(0).length);
      assertThat(phoneA.unprotectRtp(atA)).isEqualTo(SrtpResult.OK);

      PacketBuffer forged = rtp(7, 2, (byte) 0x77); // no valid tag
      a.onPacket(forged, false);
      assertThat(tb.rtp).as("a packet that does not open is never sealed for the other leg").hasSize(1);
      assertThat(a.stats().authFailures()).isEqualTo(1);
    }
  }

  @Test
  void aPlainLanLegAndAnSrtpTrunkLeg() {
    SrtpSuite gcm = SrtpSuite.AEAD_AES_256_GCM;
    Kept lan = new Kept();
    Kept trunk = new Kept();
    List<byte[]> reveals = new ArrayList<>();
    try (SrtpStream farGateway = new SrtpStream(key(gcm, 4), key(gcm, 3));
        BridgeLeg l = leg(lan, null, null, reveals);
        BridgeLeg t = leg(trunk, new SrtpStream(key(gcm, 3), key(gcm, 4)), null, reveals)) {
      BridgeLeg.link(l, t);
      l.onPacket(rtp(5, 1, (byte) 0x11), false);
      byte[] sealed = trunk.rtp.get(0);
      assertThat(sealed).hasSize(12 + 160 + 16); // the GCM tag
      byte[] plain = new byte[160];
      Arrays.fill(plain, (byte) 0x11);
      assertThat(Arrays.copyOfRange(sealed, 12, 172)).as("no plaintext audio on the trunk").isNotEqualTo(plain);
      PacketBuffer p = new PacketBuffer().set(sealed, 0, sealed.length);
      assertThat(farGateway.unprotectRtp(p)).isEqualTo(SrtpResult.OK);

      PacketBuffer fromFar = rtp(6, 1, (byte) 0x22);
      farGateway.protectRtp(fromFar);
      t.onPacket(fromFar, false);
      assertThat(lan.rtp).singleElement().satisfies(b -> assertThat(b).hasSize(172));
      assertThat(lan.rtp.get(0)[20]).isEqualTo((byte) 0x22);
    }
  }

  @Test
  void theFarGatewaysRevealIsReadOnTheTrunkLegAndNoRtcpCrossesToTheLan() {
    SrtpSuite gcm = SrtpSuite.AEAD_AES_256_GCM;
    Kept lan = new Kept();
    Kept trunk = new Kept();
    List<byte[]> reveals = new ArrayList<>();
    try (SrtpStream farGateway = new SrtpStream(key(gcm, 4), key(gcm, 3));
        BridgeLeg l = leg(lan, null, null, new ArrayList<>());
        BridgeLeg t = leg(trunk, new SrtpStream(key(gcm, 3), key(gcm, 4)), null, reveals)) {
      BridgeLeg.link(l, t);
      byte[] reveal = new byte[PqCall.REVEAL_LENGTH];
      Arrays.fill(reveal, (byte) 0x33);
      byte[] b = new byte[256];
      int len = Rtcp.writeCompound(b, 0x0a0b0c0d, 1L << 32, 160, 5, 800, "cname".getBytes(), reveal);
      PacketBuffer p = new PacketBuffer().set(b, 0, len);
      assertThat(farGateway.protectRtcp(p)).isEqualTo(SrtpResult.OK);
      t.onPacket(p, true);
      assertThat(reveals).singleElement().isEqualTo(reveal);
      assertThat(lan.rtcp).as("RTCP is terminated per leg").isEmpty();
      assertThat(t.stats().rtcpReceived()).isEqualTo(1);
    }
  }

  @Test
  void asTheTrunkOffererTheGatewaySendsItsOwnRevealThoughTheLanPhoneSendsNoRtcp() throws Exception {
    SrtpSuite gcm = SrtpSuite.AEAD_AES_256_GCM;
    Kept trunk = new Kept();
    byte[] reveal = new byte[PqCall.REVEAL_LENGTH];
    Arrays.fill(reveal, (byte) 0x44);
    try (SrtpStream farGateway = new SrtpStream(key(gcm, 4), key(gcm, 3));
        BridgeLeg t = leg(trunk, new SrtpStream(key(gcm, 3), key(gcm, 4)), reveal, new ArrayList<>())) {
      t.start();
      PacketBuffer p = new PacketBuffer();
      byte[] sent = trunk.awaitRtcp();
      p.set(sent, 0, sent.length);
      assertThat(farGateway.unprotectRtcp(p)).isEqualTo(SrtpResult.OK);
      assertThat(RtcpReveal.find(p.getBuffer(), p.getOffset(), p.getLength(), PqCall.REVEAL_LENGTH)).contains(reveal);
    }
  }

  @Test
  void theAnsweringTrunkLegKeepsItsKeysUntilTheFarGatewaySendsUnderTheNewOnes() {
    SrtpSuite gcm = SrtpSuite.AEAD_AES_256_GCM;
    Kept lan = new Kept();
    Kept trunk = new Kept();
    try (SrtpStream farOld = new SrtpStream(key(gcm, 4), key(gcm, 3));
        SrtpStream farNew = new SrtpStream(key(gcm, 14), key(gcm, 13));
        BridgeLeg l = leg(lan, null, null, new ArrayList<>());
        BridgeLeg t = leg(trunk, new SrtpStream(key(gcm, 3), key(gcm, 4)), null, new ArrayList<>())) {
      BridgeLeg.link(l, t);
      t.rekey(new SrtpStream(key(gcm, 13), key(gcm, 14)), null, true); // a re-INVITE we answered
      l.onPacket(rtp(5, 1, (byte) 0x11), false);
      PacketBuffer p = new PacketBuffer().set(trunk.rtp.get(0), 0, trunk.rtp.get(0).length);
      assertThat(farOld.unprotectRtp(p)).as("still the old keys: the offer is not proven yet").isEqualTo(SrtpResult.OK);
      PacketBuffer proof = rtp(6, 1, (byte) 0x22);
      farNew.protectRtp(proof);
      t.onPacket(proof, false);
      assertThat(lan.rtp).hasSize(1);
      l.onPacket(rtp(5, 2, (byte) 0x11), false);
      PacketBuffer q = new PacketBuffer().set(trunk.rtp.get(1), 0, trunk.rtp.get(1).length);
      assertThat(farNew.unprotectRtp(q)).as("the new keys, once the far side used them").isEqualTo(SrtpResult.OK);
    }
  }

  @Test
  void legsOnDifferentG711LawsGetEachOthersAudioRewritten() {
    Kept lan = new Kept();
    Kept trunk = new Kept();
    try (BridgeLeg l = new BridgeLeg(lan, AudioCodec.PCMA, null, null, x -> { }, reports, random, () -> { });
        BridgeLeg t = leg(trunk, null, null, new ArrayList<>())) {
      BridgeLeg.link(l, t);
      short[] tone = new short[160];
      new org.pqsip.media.ToneSource(440).read(tone);
      byte[] b = new byte[12 + 160];
      b[0] = (byte) 0x80;
      b[1] = (byte) (0x80 | 8); // marker, PCMA
      AudioCodec.PCMA.encode(tone, 160, b, 12);
      l.onPacket(new PacketBuffer().set(b, 0, b.length), false);
      byte[] out = trunk.rtp.get(0);
      assertThat(out[1] & 0xff).as("marker kept, payload type PCMU").isEqualTo(0x80);
      short[] heard = new short[160];
      AudioCodec.PCMU.decode(out, 12, 160, heard);
      for (int i = 0; i < 160; i++) {
        assertThat(Math.abs(heard[i] - tone[i])).as("sample " + i).isLessThan(Math.max(64, Math.abs(tone[i]) / 8));
      }
    }
  }

  @Test
  void aClosedLegForwardsNothingMore() {
    Kept lan = new Kept();
    Kept trunk = new Kept();
    BridgeLeg l = leg(lan, null, null, new ArrayList<>());
    BridgeLeg t = leg(trunk, null, null, new ArrayList<>());
    BridgeLeg.link(l, t);
    t.close();
    l.onPacket(rtp(5, 1, (byte) 0x11), false);
    assertThat(trunk.rtp).isEmpty();
    assertThat(l.stats().packetsReceived()).isEqualTo(1);
    l.close();
  }
}
