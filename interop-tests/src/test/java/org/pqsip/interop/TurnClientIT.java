package org.pqsip.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pqsip.ice.RelayTls;
import org.pqsip.ice.RelayUri;
import org.pqsip.ice.TurnClient;
import org.pqsip.relay.net.RelayServer;
import org.pqsip.relay.net.TlsContexts;
import org.pqsip.sip.SipTls;
import org.pqsip.sip.TestCertificate;
import org.pqsip.stun.RestCredentials;

/**
 * Our TURN client over UDP, TCP and TLS against our real relay on loopback: it allocates a UDP
 * relayed address, a UDP peer receives what it sends (ChannelData after a ChannelBind written
 * without waiting for its answer) and answers back through the allocation, and closing the client
 * ends the allocation. A relay whose certificate does not chain to the given CA is refused; a peer
 * the relay refuses costs one ChannelBind, not a storm of them.
 */
class TurnClientIT {
  static final InetAddress LO = InetAddress.getLoopbackAddress();
  static final byte[] SECRET = "turn-stream-test-shared-secret-0".getBytes(StandardCharsets.UTF_8);

  record Got(InetSocketAddress from, byte[] data) {}

  static final class Inbox implements TurnClient.Receiver {
    final BlockingQueue<Got> got = new ArrayBlockingQueue<>(100);
    volatile boolean closed;

    @Override
    public void datagram(InetSocketAddress from, byte[] data, int offset, int length) {
      got.offer(new Got(from, Arrays.copyOfRange(data, offset, offset + length)));
    }

    @Override
    public void closed() {
      closed = true;
    }
  }

  static RelayServer relay(SipTls tls) throws IOException {
    return relay(tls, "127.0.0.0/8");
  }

  static RelayServer relay(SipTls tls, String allowPeers) throws IOException {
    return RelayServer.start(new RelayServer.Config(List.of(new InetSocketAddress(LO, 0)), List.of(new InetSocketAddress(LO, 0)),
        List.of(new InetSocketAddress(LO, 0)), TlsContexts.fromPem(tls.certificate(), tls.privateKey()), LO,
        61800, 61899, "pq.test", SECRET, List.of(allowPeers), 100, 10, 1, 100, false));
  }

  static String[] credentials() {
    return new RestCredentials(SECRET, "").mint(System.currentTimeMillis() / 1000 + 600, "stream-test");
  }

  @Test
  void overUdpTcpAndTlsTheRelayedAddressCarriesDatagramsBothWays(@TempDir Path dir) throws Exception {
    SipTls tls = TestCertificate.create(dir);
    try (RelayServer relay = relay(tls); DatagramSocket peer = new DatagramSocket(new InetSocketAddress(LO, 0))) {
      peer.setSoTimeout(10_000);
      SSLSocketFactory trust = RelayTls.socketFactory(Optional.of(tls.certificate()));
      for (RelayUri uri : List.of(
          RelayUri.parse("turn:127.0.0.1:" + relay.udpAddresses().get(0).getPort()),
          RelayUri.parse("turn:127.0.0.1:" + relay.tcpAddresses().get(0).getPort() + "?transport=tcp"),
          RelayUri.parse("turns:127.0.0.1:" + relay.tlsAddresses().get(0).getPort()))) {
        Inbox inbox = new Inbox();
        String[] up = credentials();
        TurnClient c = TurnClient.allocate(uri, Optional.of(trust), LO, up[0], up[1], Duration.ofSeconds(5), inbox);
        try {
          assertThat(relay.activeAllocations()).isEqualTo(1);
          InetSocketAddress me = (InetSocketAddress) peer.getLocalSocketAddress();
          for (int i = 0; i < 3; i++) {
            byte[] odd = ("to the peer " + i + " via " + uri.transport()).getBytes(StandardCharsets.UTF_8); // not a multiple of 4
            c.send(me, odd, 0, odd.length);
            DatagramPacket p = new DatagramPacket(new byte[1500], 1500);
            peer.receive(p);
            assertThat(Arrays.copyOf(p.getData(), p.getLength())).isEqualTo(odd);
            assertThat(p.getSocketAddress()).as("from the relayed address").isEqualTo(c.relayed());
          }
          byte[] back = "and back".getBytes(StandardCharsets.UTF_8);
          peer.send(new DatagramPacket(back, back.length, c.relayed()));
          Got g = inbox.got.poll(10, TimeUnit.SECONDS);
          assertThat(g).as("the peer's answer through the allocation").isNotNull();
          assertThat(g.data()).isEqualTo(back);
          assertThat(g.from()).isEqualTo(me);
        } finally {
          c.close();
        }
        IceTransportIT.await(() -> relay.activeAllocations() == 0, "closing the client ends its allocation");
        assertThat(inbox.closed).isTrue();
      }
    }
  }

  @Test
  void aRelayCertificateFromAnotherAuthorityIsRefused(@TempDir Path dir) throws Exception {
    SipTls relayCert = TestCertificate.create(Files.createDirectory(dir.resolve("relay")));
    SipTls other = TestCertificate.create(Files.createDirectory(dir.resolve("other")));
    try (RelayServer relay = relay(relayCert)) {
      RelayUri uri = RelayUri.parse("turns:127.0.0.1:" + relay.tlsAddresses().get(0).getPort());
      String[] up = credentials();
      assertThatThrownBy(() -> TurnClient.allocate(uri, Optional.of(RelayTls.socketFactory(Optional.of(other.certificate()))),
          LO, up[0], up[1], Duration.ofSeconds(5), new Inbox())).isInstanceOf(IOException.class);
      assertThat(relay.activeAllocations()).isZero();
    }
  }

  @Test
  void wrongCredentialsAreAClearErrorAndNoAllocation(@TempDir Path dir) throws Exception {
    try (RelayServer relay = relay(TestCertificate.create(dir))) {
      RelayUri uri = RelayUri.parse("turn:127.0.0.1:" + relay.tcpAddresses().get(0).getPort() + "?transport=tcp");
      String[] up = credentials();
      assertThatThrownBy(() -> TurnClient.allocate(uri, Optional.empty(), LO, up[0], "not-the-password", Duration.ofSeconds(5),
          new Inbox())).isInstanceOf(IOException.class).hasMessageContaining("refused the allocation (401)");
      assertThat(relay.activeAllocations()).isZero();
    }
  }

  /**
   * The relay refuses a peer (here: outside its allowed range). Sending to it a hundred times
   * costs one ChannelBind, refused once (403); ice4j's own TURN client asked again at once for
   * every queued datagram, thousands of times a second. A datagram to an allowed peer, sent after
   * them, still arrives: the relay has seen everything before it.
   */
  @Test
  void aPeerTheRelayRefusesCostsOneChannelBindNotAStorm(@TempDir Path dir) throws Exception {
    try (RelayServer relay = relay(TestCertificate.create(dir), "127.0.0.1/32");
        DatagramSocket allowed = new DatagramSocket(new InetSocketAddress(LO, 0))) {
      allowed.setSoTimeout(10_000);
      RelayUri uri = RelayUri.parse("turn:127.0.0.1:" + relay.udpAddresses().get(0).getPort());
      String[] up = credentials();
      try (TurnClient c = TurnClient.allocate(uri, Optional.empty(), LO, up[0], up[1], Duration.ofSeconds(5), new Inbox())) {
        InetSocketAddress denied = new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 9);
        byte[] d = "to a denied peer".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 100; i++) {
          c.send(denied, d, 0, d.length);
        }
        IceTransportIT.await(() -> relay.counters().stream().mapToLong(k -> k.errors(403)).sum() >= 1, "the relay refused the peer");
        byte[] ok = "to an allowed peer".getBytes(StandardCharsets.UTF_8);
        c.send((InetSocketAddress) allowed.getLocalSocketAddress(), ok, 0, ok.length);
        DatagramPacket p = new DatagramPacket(new byte[1500], 1500);
        allowed.receive(p);
        assertThat(Arrays.copyOf(p.getData(), p.getLength())).isEqualTo(ok);
        assertThat(relay.counters().stream().mapToLong(k -> k.errors(403)).sum()).as("refusals").isEqualTo(1);
      }
    }
  }
}
