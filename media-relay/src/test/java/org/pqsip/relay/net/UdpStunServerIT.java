package org.pqsip.relay.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pqsip.relay.proto.StunAttribute;
import org.pqsip.relay.proto.StunClass;
import org.pqsip.relay.proto.StunMessage;
import org.pqsip.relay.proto.StunMethod;
import org.pqsip.relay.proto.XorAddress;

/** A real UDP socket on loopback asks the server for its server-reflexive address. */
class UdpStunServerIT {
  @Test
  void answersBindingRequestsOverUdp() throws Exception {
    InetAddress lo = InetAddress.getLoopbackAddress();
    try (UdpStunServer server = UdpStunServer.start(new InetSocketAddress(lo, 0));
        DatagramSocket client = new DatagramSocket(new InetSocketAddress(lo, 0))) {
      client.setSoTimeout(5000);
      byte[] tid = new byte[12];
      new SecureRandom().nextBytes(tid);
      byte[] req = StunMessage.of(StunClass.REQUEST, StunMethod.BINDING, tid, List.of()).encode(null, false, true);
      client.send(new DatagramPacket(req, req.length, server.localAddress()));
      client.send(new DatagramPacket(new byte[] {9, 9, 9}, 3, server.localAddress())); // junk: no answer
      byte[] buf = new byte[1500];
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      client.receive(p);
      StunMessage resp = StunMessage.decode(buf, 0, p.getLength());
      assertThat(resp.messageClass()).isEqualTo(StunClass.SUCCESS);
      assertThat(resp.transactionId()).isEqualTo(tid);
      InetSocketAddress mapped = XorAddress.decode(resp.attribute(StunAttribute.XOR_MAPPED_ADDRESS).orElseThrow().value(), tid);
      assertThat(mapped).isEqualTo(client.getLocalSocketAddress());
    }
  }
}
