package org.pqsip.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.pqsip.crypto.Secret;
import org.pqsip.srtp.PacketBuffer;
import org.pqsip.srtp.SrtpMasterKey;
import org.pqsip.srtp.SrtpResult;
import org.pqsip.srtp.SrtpStream;
import org.pqsip.srtp.SrtpSuite;

/**
 * The gateway's media path on loopback sockets: SRTP on one leg comes out under the other leg's
 * keys (or plain, for a LAN leg) both ways; what does not open is dropped; a removed bridge
 * releases its ports.
 */
class MediaBridgeIT {
  private static final InetAddress LO = InetAddress.getLoopbackAddress();

  private static SrtpMasterKey key(SrtpSuite s, int seed) {
    byte[] k = new byte[s.keyLength()];
    byte[] salt = new byte[s.saltLength()];
    Arrays.fill(k, (byte) seed);
    Arrays.fill(salt, (byte) (seed + 1));
    return new SrtpMasterKey(s, Secret.adopt(k), Secret.adopt(salt));
  }

  private static DatagramChannel phone() throws Exception {
    DatagramChannel c = DatagramChannel.open().bind(new InetSocketAddress(LO, 0));
    c.socket().setSoTimeout(10_000);
    return c;
  }

  private static byte[] rtp(int ssrc, int seq, byte fill) {
    byte[] b = new byte[12 + 160];
    b[0] = (byte) 0x80;
    b[2] = (byte) (seq >> 8);
    b[3] = (byte) seq;
    ByteBuffer.wrap(b, 8, 4).putInt(ssrc);
    Arrays.fill(b, 12, b.length, fill);
    return b;
  }

  private static byte[] receive(DatagramChannel c) throws Exception {
    java.net.DatagramPacket d = new java.net.DatagramPacket(new byte[2048], 2048);
    c.socket().receive(d);
    return Arrays.copyOf(d.getData(), d.getLength());
  }

  @Test
  void srtpOnBothLegs_isReprotectedBothWays_andAForgedPacketIsDropped() throws Exception {
    SrtpSuite gcm = SrtpSuite.AEAD_AES_256_GCM;
    SrtpSuite cm = SrtpSuite.AES_256_CM_HMAC_SHA1_80; // the legs need not share a suite
    try (MediaBridge bridge = new MediaBridge("test-bridge");
        DatagramChannel a = phone();
        DatagramChannel b = phone();
        SrtpStream phoneA = new SrtpStream(key(gcm, 1), key(gcm, 2));
        SrtpStream phoneB = new SrtpStream(key(cm, 3), key(cm, 4))) {
      MediaBridge.Bridge br = bridge.add(new InetSocketAddress(LO, 0), (InetSocketAddress) a.getLocalAddress(),
          new SrtpStream(key(gcm, 2), key(gcm, 1)), new InetSocketAddress(LO, 0), (InetSocketAddress) b.getLocalAddress(),
          new SrtpStream(key(cm, 4), key(cm, 3)));
      byte[] sent = rtp(0x1111, 1, (byte) 0x42);
      PacketBuffer p = new PacketBuffer().set(sent, 0, sent.length);
      assertThat(phoneA.protectRtp(p)).isEqualTo(SrtpResult.OK);
      a.send(p.byteBuffer(), br.localA());
      byte[] wire = receive(b);
      PacketBuffer in = new PacketBuffer().set(wire, 0, wire.length);
      assertThat(phoneB.unprotectRtp(in)).isEqualTo(SrtpResult.OK);
      assertThat(in.toByteArray()).isEqualTo(sent);

      byte[] back = rtp(0x2222, 9, (byte) 0x17);
      p.set(back, 0, back.length);
      phoneB.protectRtp(p);
      b.send(p.byteBuffer(), br.localB());
      wire = receive(a);
      in.set(wire, 0, wire.length);
      assertThat(phoneA.unprotectRtp(in)).isEqualTo(SrtpResult.OK);
      assertThat(in.toByteArray()).isEqualTo(back);

      byte[] forged = rtp(0x1111, 2, (byte) 0x42); // plaintext, or a wrong key: never re-sealed
      a.send(ByteBuffer.wrap(forged), br.localA());
      p.set(rtp(0x1111, 3, (byte) 0x43), 0, sent.length);
      phoneA.protectRtp(p);
      a.send(p.byteBuffer(), br.localA());
      wire = receive(b);
      in.set(wire, 0, wire.length);
      assertThat(phoneB.unprotectRtp(in)).isEqualTo(SrtpResult.OK);
      assertThat(in.getBuffer()[in.getOffset() + 3]).as("the forged packet (seq 2) never arrived").isEqualTo((byte) 3);
      // counted before seq 3 was read (same socket, in order); seq 3's own count may still be in flight
      assertThat(bridge.dropped()).isEqualTo(1);
      assertThat(bridge.forwarded()).isBetween(2L, 3L);
    }
  }

  @Test
  void aPlainLanLeg_getsPlainRtp_andARemovedBridgeFreesItsPorts() throws Exception {
    SrtpSuite gcm = SrtpSuite.AEAD_AES_256_GCM;
    try (MediaBridge bridge = new MediaBridge("test-bridge");
        DatagramChannel pq = phone();
        DatagramChannel lan = phone();
        SrtpStream farGateway = new SrtpStream(key(gcm, 5), key(gcm, 6))) {
      MediaBridge.Bridge br = bridge.add(new InetSocketAddress(LO, 0), (InetSocketAddress) pq.getLocalAddress(),
          new SrtpStream(key(gcm, 6), key(gcm, 5)), new InetSocketAddress(LO, 0), (InetSocketAddress) lan.getLocalAddress(),
          null);
      byte[] sent = rtp(0x3333, 1, (byte) 0x55);
      PacketBuffer p = new PacketBuffer().set(sent, 0, sent.length);
      farGateway.protectRtp(p);
      pq.send(p.byteBuffer(), br.localA());
      assertThat(receive(lan)).as("plain on the LAN leg").isEqualTo(sent);

      byte[] fromDeskPhone = rtp(0x4444, 1, (byte) 0x66);
      lan.send(ByteBuffer.wrap(fromDeskPhone), br.localB());
      byte[] wire = receive(pq);
      assertThat(Arrays.copyOfRange(wire, 12, 172)).as("ciphertext towards the far gateway")
          .isNotEqualTo(Arrays.copyOfRange(fromDeskPhone, 12, 172));
      PacketBuffer in = new PacketBuffer().set(wire, 0, wire.length);
      assertThat(farGateway.unprotectRtp(in)).isEqualTo(SrtpResult.OK);
      assertThat(in.toByteArray()).isEqualTo(fromDeskPhone);

      InetSocketAddress portA = br.localA();
      InetSocketAddress portB = br.localB();
      bridge.remove(br).get(10, java.util.concurrent.TimeUnit.SECONDS);
      for (InetSocketAddress port : new InetSocketAddress[] {portA, portB}) {
        try (DatagramSocket again = new DatagramSocket(port)) {
          assertThat(again.isBound()).as("port " + port + " released").isTrue();
        }
      }
    }
  }
}
