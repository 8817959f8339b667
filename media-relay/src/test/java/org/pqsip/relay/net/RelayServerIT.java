package org.pqsip.relay.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.pqsip.stun.StunAttribute;
import org.pqsip.stun.StunClass;
import org.pqsip.stun.StunMessage;
import org.pqsip.stun.StunMethod;
import org.pqsip.stun.XorAddress;

/** TURN clients, the relay (two event loops) and peers, all real UDP sockets on loopback. */
class RelayServerIT {
  static final InetAddress LO = InetAddress.getLoopbackAddress();
  RelayServer server;
  InetSocketAddress srv;
  final List<AutoCloseable> open = new ArrayList<>();

  static TestTls tls;

  @BeforeAll
  static void certificate(@TempDir Path dir) throws Exception {
    tls = TestTls.create(dir);
  }

  static RelayServer.Config config(int portMin, int portMax, int threads, SSLContext tlsContext) {
    return config(portMin, portMax, threads, tlsContext, RelayServer.batchedUdpAvailable());
  }

  static RelayServer.Config config(int portMin, int portMax, int threads, SSLContext tlsContext, boolean batchedUdp) {
    List<InetSocketAddress> any = List.of(new InetSocketAddress(LO, 0));
    return new RelayServer.Config(any, any, tlsContext == null ? List.of() : any, tlsContext, LO, portMin, portMax,
        TurnTestClient.REALM, TurnTestClient.SECRET, List.of("127.0.0.0/8"), 1000, 100, threads, 1000, batchedUdp);
  }

  /** UDP clients through recvmmsg/sendmmsg here; {@link RelayServerPlainUdpIT} runs every test with one system call per datagram. */
  boolean batchedUdp() {
    return true;
  }

  @Test
  void batchedUdpIsAvailableOnLinuxX64() {
    org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name").equals("Linux")
        && System.getProperty("os.arch").equals("amd64"));
    assertThat(RelayServer.batchedUdpAvailable()).as("the JNI library built by the linux-native profile loads").isTrue();
  }

  @BeforeEach
  void start() throws Exception {
    server = RelayServer.start(config(61000, 61099, 2, tls.server(), batchedUdp()));
    srv = server.udpAddresses().get(0);
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    server.close();
  }

  TurnTestClient client() throws Exception {
    TurnTestClient c = new TurnTestClient(srv);
    open.add(c);
    return c;
  }

  DatagramSocket peer() throws Exception {
    DatagramSocket p = new DatagramSocket(new InetSocketAddress(LO, 0));
    p.setSoTimeout(5000);
    open.add(p);
    return p;
  }

  static byte[] receive(DatagramSocket s) throws Exception {
    DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
    s.receive(p);
    return Arrays.copyOf(p.getData(), p.getLength());
  }

  @Test
  void allocatesAndRelaysBothWaysOverChannels() throws Exception {
    TurnTestClient client = client();
    DatagramSocket peer = peer();
    InetSocketAddress relayed = client.allocate("r4nd0m");
    assertThat(client.channelBind(0x4000, (InetSocketAddress) peer.getLocalSocketAddress()).messageClass()).isEqualTo(StunClass.SUCCESS);
    client.channelData(0x4000, "ping".getBytes(StandardCharsets.US_ASCII));
    DatagramPacket atPeer = new DatagramPacket(new byte[100], 100);
    peer.receive(atPeer);
    assertThat(new String(atPeer.getData(), 0, atPeer.getLength(), StandardCharsets.US_ASCII)).isEqualTo("ping");
    assertThat(atPeer.getSocketAddress()).isEqualTo(relayed);
    byte[] pong = "pong".getBytes(StandardCharsets.US_ASCII);
    peer.send(new DatagramPacket(pong, pong.length, relayed));
    assertThat(client.receive()).containsExactly(0x40, 0x00, 0x00, 0x04, 'p', 'o', 'n', 'g');
    assertThat(server.activeAllocations()).isEqualTo(1);
  }

  @Test
  void anEmptyDatagramIsRelayedBothWays() throws Exception {
    TurnTestClient client = client();
    DatagramSocket peer = peer();
    InetSocketAddress relayed = client.allocate("empty");
    assertThat(client.channelBind(0x4001, (InetSocketAddress) peer.getLocalSocketAddress()).messageClass()).isEqualTo(StunClass.SUCCESS);
    peer.send(new DatagramPacket(new byte[0], 0, relayed));
    assertThat(client.receive()).containsExactly(0x40, 0x01, 0, 0);
    client.channelData(0x4001, new byte[0]);
    assertThat(receive(peer)).isEmpty();
    assertThat(server.counters().stream().mapToLong(c -> c.get(org.pqsip.relay.core.RelayCounters.DROPPED)).sum()).isZero();
  }

  @Test
  void tcpClientAllocatesAndRelaysWithPaddedChannelData() throws Exception {
    TurnTestClient client = TurnTestClient.overTcp(server.tcpAddresses().get(0));
    open.add(client);
    DatagramSocket peer = peer();
    InetSocketAddress relayed = client.allocate("tcp-token");
    assertThat(client.channelBind(0x4002, (InetSocketAddress) peer.getLocalSocketAddress()).messageClass()).isEqualTo(StunClass.SUCCESS);
    client.channelData(0x4002, "abcde".getBytes(StandardCharsets.US_ASCII)); // 5 bytes + 3 padding on TCP
    client.channelData(0x4002, "fg".getBytes(StandardCharsets.US_ASCII));
    assertThat(new String(receive(peer), StandardCharsets.US_ASCII)).isEqualTo("abcde");
    assertThat(new String(receive(peer), StandardCharsets.US_ASCII)).isEqualTo("fg");
    peer.send(new DatagramPacket(new byte[] {1, 2, 3}, 3, relayed));
    assertThat(client.receive()).containsExactly(0x40, 0x02, 0, 3, 1, 2, 3);
    assertThat(server.activeAllocations()).isEqualTo(1);
    client.close();
    awaitAllocations(0); // RFC 8656: the allocation ends with its TCP connection
  }

  @Test
  void tlsClientAllocatesAndRelays() throws Exception {
    TurnTestClient client = TurnTestClient.overTls(server.tlsAddresses().get(0), tls.client());
    open.add(client);
    DatagramSocket peer = peer();
    InetSocketAddress relayed = client.allocate("tls-token");
    assertThat(client.channelBind(0x4003, (InetSocketAddress) peer.getLocalSocketAddress()).messageClass()).isEqualTo(StunClass.SUCCESS);
    client.channelData(0x4003, "over tls".getBytes(StandardCharsets.US_ASCII));
    assertThat(new String(receive(peer), StandardCharsets.US_ASCII)).isEqualTo("over tls");
    peer.send(new DatagramPacket(new byte[] {7, 7}, 2, relayed));
    assertThat(client.receive()).containsExactly(0x40, 0x03, 0, 2, 7, 7);
    client.close();
    awaitAllocations(0);
  }

  @Test
  void plaintextOnTheTlsPortIsRefusedAndTheRelayCarriesOn() throws Exception {
    TurnTestClient plain = TurnTestClient.overTcp(server.tlsAddresses().get(0));
    open.add(plain);
    plain.sendRaw(new byte[] {0, 3, 0, 0, 0x21, 0x12, (byte) 0xA4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    assertThat(plain.closedByRelay()).isTrue();
    TurnTestClient good = TurnTestClient.overTls(server.tlsAddresses().get(0), tls.client());
    open.add(good);
    assertThat(good.allocate("after-plaintext")).isNotNull();
  }

  @Test
  void garbageOnTcpClosesThatConnectionOnly() throws Exception {
    TurnTestClient bad = TurnTestClient.overTcp(server.tcpAddresses().get(0));
    open.add(bad);
    bad.sendRaw(new byte[] {(byte) 0xff, 0, 0, 4, 1, 2, 3, 4});
    assertThat(bad.closedByRelay()).isTrue();
    TurnTestClient truncated = TurnTestClient.overTcp(server.tcpAddresses().get(0));
    open.add(truncated);
    truncated.sendRaw(new byte[] {0x00, 0x03, 0x00}); // a truncated header: the relay waits for more
    TurnTestClient good = TurnTestClient.overTcp(server.tcpAddresses().get(0));
    open.add(good);
    assertThat(good.allocate("after-garbage")).isNotNull();
  }

  @Test
  void sendAndDataIndicationsWithAPermission() throws Exception {
    TurnTestClient client = client();
    DatagramSocket peer = peer();
    InetSocketAddress peerAddr = (InetSocketAddress) peer.getLocalSocketAddress();
    InetSocketAddress relayed = client.allocate("ind");
    client.sendIndication(peerAddr, new byte[] {1, 2, 3});
    byte[] other = {9};
    peer.send(new DatagramPacket(other, 1, relayed)); // no permission yet: dropped
    awaitDropped(2); // the Send indication and this datagram, before the permission exists
    assertThat(client.createPermission(peerAddr).messageClass()).isEqualTo(StunClass.SUCCESS);
    client.sendIndication(peerAddr, new byte[] {1, 2, 3});
    assertThat(receive(peer)).containsExactly(1, 2, 3);
    peer.send(new DatagramPacket(new byte[] {4, 5, 6, 7, 8}, 5, relayed));
    byte[] di = client.receive();
    StunMessage m = StunMessage.decode(di, 0, di.length);
    assertThat(m.method()).isEqualTo(StunMethod.DATA);
    assertThat(m.attribute(StunAttribute.DATA).orElseThrow().value()).containsExactly(4, 5, 6, 7, 8);
    assertThat(XorAddress.decode(m.attribute(StunAttribute.XOR_PEER_ADDRESS).orElseThrow().value(), m.transactionId())).isEqualTo(peerAddr);
  }

  @Test
  void answersBindingAndIgnoresJunk() throws Exception {
    TurnTestClient client = client();
    client.sendRaw(new byte[] {9, 9, 9});
    byte[] tid = TurnTestClient.tid();
    StunMessage resp = client.ask(StunMessage.of(StunClass.REQUEST, StunMethod.BINDING, tid, List.of()).encode(null, false, true));
    assertThat(resp.messageClass()).isEqualTo(StunClass.SUCCESS);
    assertThat(XorAddress.decode(resp.attribute(StunAttribute.XOR_MAPPED_ADDRESS).orElseThrow().value(), tid))
        .isEqualTo(client.socket.getLocalSocketAddress());
  }

  @Test
  void manyClientsSpreadOverLoopsEachGetTheirOwnRelay() throws Exception {
    DatagramSocket peer = peer();
    InetSocketAddress peerAddr = (InetSocketAddress) peer.getLocalSocketAddress();
    List<TurnTestClient> clients = new ArrayList<>();
    List<InetSocketAddress> relayed = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      TurnTestClient c = client();
      relayed.add(c.allocate("tok" + i));
      assertThat(c.channelBind(0x4000 + i, peerAddr).messageClass()).isEqualTo(StunClass.SUCCESS);
      clients.add(c);
    }
    assertThat(relayed).doesNotHaveDuplicates();
    assertThat(server.activeAllocations()).isEqualTo(24);
    for (int i = 0; i < clients.size(); i++) {
      peer.send(new DatagramPacket(new byte[] {(byte) i}, 1, relayed.get(i)));
      assertThat(clients.get(i).receive()).containsExactly(0x40, i, 0, 1, i);
      clients.get(i).channelData(0x4000 + i, new byte[] {(byte) (100 + i)});
      DatagramPacket p = new DatagramPacket(new byte[10], 10);
      peer.receive(p);
      assertThat(p.getSocketAddress()).isEqualTo(relayed.get(i));
      assertThat(p.getData()[0]).isEqualTo((byte) (100 + i));
    }
    long loopsUsed = server.counters().stream().filter(c -> c.get(org.pqsip.relay.core.RelayCounters.TO_PEER_PACKETS) > 0).count();
    assertThat(loopsUsed).as("the kernel spreads 24 clients over both loops").isEqualTo(2);
  }

  @Test
  void refreshToZeroEndsTheAllocationAndFreesItsQuota() throws Exception {
    TurnTestClient client = client();
    DatagramSocket peer = peer();
    InetSocketAddress relayed = client.allocate("gone");
    client.channelBind(0x4001, (InetSocketAddress) peer.getLocalSocketAddress());
    assertThat(client.refresh(0).messageClass()).isEqualTo(StunClass.SUCCESS);
    assertThat(server.activeAllocations()).isZero();
    peer.send(new DatagramPacket(new byte[] {1}, 1, relayed));
    client.socket.setSoTimeout(300);
    try {
      byte[] got = client.receive();
      throw new AssertionError("data reached the client after its allocation ended: " + got.length + " bytes");
    } catch (SocketTimeoutException expected) {
      // the relayed port is closed: nothing comes back
    }
    client.socket.setSoTimeout(5000);
    assertThat(client.allocate("gone")).as("the same 5-tuple may allocate again").isNotNull();
  }

  /**
   * The forwarding path allocates nothing per packet: after a warm-up, the event loops' threads
   * allocate (almost) no bytes while thousands of packets pass both ways.
   */
  @Test
  void forwardingAllocatesNothingPerPacket() throws Exception {
    // A relay in service has hundreds of sockets: the allocation's must sit above descriptor
    // 127, where the JDK's selector boxes descriptors (RelayServer.selectorBoxingAvoided).
    assertThat(RelayServer.selectorBoxingAvoided()).as("the test JVM runs as ./pq relay does").isTrue();
    List<java.nio.channels.DatagramChannel> filler = new java.util.ArrayList<>();
    for (int i = 0; i < 200; i++) {
      filler.add(java.nio.channels.DatagramChannel.open());
    }
    try {
      forwardAndCountAllocations();
    } finally {
      for (java.nio.channels.DatagramChannel c : filler) {
        c.close();
      }
    }
  }

  private void forwardAndCountAllocations() throws Exception {
    TurnTestClient client = client();
    DatagramSocket peer = peer();
    InetSocketAddress relayed = client.allocate("alloc");
    client.channelBind(0x4000, (InetSocketAddress) peer.getLocalSocketAddress());
    byte[] payload = new byte[172];
    DatagramPacket toRelay = new DatagramPacket(payload, payload.length, relayed);
    DatagramPacket in = new DatagramPacket(new byte[2048], 2048);
    for (int i = 0; i < 20_000; i++) { // warm-up: C2 compiles the path (escape analysis removes the selector iterators)
      exchange(client, peer, toRelay, in);
    }
    // Three windows, the least of them: a per-packet allocation shows in every window, a one-off
    // (a timer's sweep, a recompilation) in one only.
    double perPacket = Double.MAX_VALUE;
    int packets = 20_000;
    for (int window = 0; window < 3; window++) {
      long before = loopsAllocatedBytes();
      for (int i = 0; i < packets / 2; i++) {
        exchange(client, peer, toRelay, in);
      }
      perPacket = Math.min(perPacket, (loopsAllocatedBytes() - before) / (double) packets);
    }
    System.out.printf("relay event loops allocated %.3f bytes per forwarded packet%n", perPacket);
    assertThat(perPacket).as("bytes allocated per forwarded packet").isLessThan(1.0);
  }

  private long loopsAllocatedBytes() {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long n = 0;
    for (Thread t : server.threads()) {
      n += mx.getThreadAllocatedBytes(t.getId());
    }
    return n;
  }

  private void awaitAllocations(int n) throws Exception {
    await(() -> server.activeAllocations() == n, n + " allocations");
  }

  private void awaitDropped(long n) throws Exception {
    await(() -> server.counters().stream().mapToLong(c -> c.get(org.pqsip.relay.core.RelayCounters.DROPPED)).sum() >= n,
        n + " packets dropped");
  }

  /** Waits for a relay-side event with a 5 s deadline (no sleeps). */
  private static void await(Await.Condition event, String what) throws Exception {
    Await.until(event, java.time.Duration.ofSeconds(5), what);
  }

  private static void exchange(TurnTestClient client, DatagramSocket peer, DatagramPacket toRelay, DatagramPacket in) throws Exception {
    client.channelData(0x4000, toRelay.getData());
    peer.receive(in);
    peer.send(toRelay);
    client.socket.receive(in);
  }
}
