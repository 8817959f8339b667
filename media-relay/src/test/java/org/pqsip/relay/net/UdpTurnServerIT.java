package org.pqsip.relay.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pqsip.relay.auth.RestCredentials;
import org.pqsip.relay.proto.StunAttribute;
import org.pqsip.relay.proto.StunClass;
import org.pqsip.relay.proto.StunMessage;
import org.pqsip.relay.proto.StunMethod;
import org.pqsip.relay.proto.XorAddress;

/** A TURN client, the relay and a peer, all real UDP sockets on loopback. */
class UdpTurnServerIT {
  static final String REALM = "pq.test";
  static final byte[] SECRET = "a-shared-secret-for-the-relay-it".getBytes(StandardCharsets.UTF_8);

  static byte[] tid() {
    byte[] t = new byte[12];
    new SecureRandom().nextBytes(t);
    return t;
  }

  static byte[] receive(DatagramSocket s) throws Exception {
    byte[] buf = new byte[2048];
    DatagramPacket p = new DatagramPacket(buf, buf.length);
    s.receive(p);
    return Arrays.copyOf(buf, p.getLength());
  }

  static StunMessage ask(DatagramSocket client, InetSocketAddress server, byte[] req) throws Exception {
    client.send(new DatagramPacket(req, req.length, server));
    byte[] r = receive(client);
    return StunMessage.decode(r, 0, r.length);
  }

  @Test
  void allocatesAndRelaysBothWaysOverRealSockets() throws Exception {
    InetAddress lo = InetAddress.getLoopbackAddress();
    UdpTurnServer.Config cfg = new UdpTurnServer.Config(
        new InetSocketAddress(lo, 0), lo, 61000, 61099, REALM, SECRET, List.of("127.0.0.0/8"), 100, 10);
    try (UdpTurnServer server = UdpTurnServer.start(cfg);
        DatagramSocket client = new DatagramSocket(new InetSocketAddress(lo, 0));
        DatagramSocket peer = new DatagramSocket(new InetSocketAddress(lo, 0))) {
      client.setSoTimeout(5000);
      peer.setSoTimeout(5000);
      InetSocketAddress srv = server.localAddress();
      List<StunAttribute> udp = List.of(new StunAttribute(StunAttribute.REQUESTED_TRANSPORT, new byte[] {17, 0, 0, 0}));
      StunMessage challenge = ask(client, srv, StunMessage.of(StunClass.REQUEST, StunMethod.ALLOCATE, tid(), udp).encode(null, false, true));
      byte[] nonce = challenge.attribute(StunAttribute.NONCE).orElseThrow().value();
      String[] up = new RestCredentials(SECRET, REALM).mint(System.currentTimeMillis() / 1000 + 600, "r4nd0m");
      byte[] key = RestCredentials.longTermKey(up[0], REALM, up[1]);
      StunMessage allocated = ask(client, srv, signed(StunMethod.ALLOCATE, udp, up[0], nonce, key));
      assertThat(allocated.messageClass()).isEqualTo(StunClass.SUCCESS);
      InetSocketAddress relayed =
          XorAddress.decode(allocated.attribute(StunAttribute.XOR_RELAYED_ADDRESS).orElseThrow().value(), allocated.transactionId());
      byte[] t = tid();
      StunMessage bound = ask(client, srv, signedWithTid(StunMethod.CHANNEL_BIND, t, List.of(
          new StunAttribute(StunAttribute.CHANNEL_NUMBER, new byte[] {0x40, 0x00, 0, 0}),
          new StunAttribute(StunAttribute.XOR_PEER_ADDRESS, XorAddress.encode((InetSocketAddress) peer.getLocalSocketAddress(), t))),
          up[0], nonce, key));
      assertThat(bound.messageClass()).isEqualTo(StunClass.SUCCESS);
      byte[] cd = {0x40, 0x00, 0x00, 0x04, 'p', 'i', 'n', 'g'};
      client.send(new DatagramPacket(cd, cd.length, srv));
      DatagramPacket atPeer = new DatagramPacket(new byte[100], 100);
      peer.receive(atPeer);
      assertThat(new String(atPeer.getData(), 0, atPeer.getLength(), StandardCharsets.US_ASCII)).isEqualTo("ping");
      assertThat(atPeer.getSocketAddress()).isEqualTo(relayed);
      byte[] pong = "pong".getBytes(StandardCharsets.US_ASCII);
      peer.send(new DatagramPacket(pong, pong.length, relayed));
      byte[] back = receive(client);
      assertThat(back).startsWith(0x40, 0x00, 0x00, 0x04, 'p', 'o', 'n', 'g');
    }
  }

  static byte[] signed(int method, List<StunAttribute> attrs, String user, byte[] nonce, byte[] key) {
    return signedWithTid(method, tid(), attrs, user, nonce, key);
  }

  static byte[] signedWithTid(int method, byte[] tid, List<StunAttribute> attrs, String user, byte[] nonce, byte[] key) {
    List<StunAttribute> all = new ArrayList<>(attrs);
    all.add(new StunAttribute(StunAttribute.USERNAME, user.getBytes(StandardCharsets.UTF_8)));
    all.add(new StunAttribute(StunAttribute.REALM, REALM.getBytes(StandardCharsets.UTF_8)));
    all.add(new StunAttribute(StunAttribute.NONCE, nonce));
    return StunMessage.of(StunClass.REQUEST, method, tid, all).encode(key, false, true);
  }
}
