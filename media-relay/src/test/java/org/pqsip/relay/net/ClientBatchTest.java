package org.pqsip.relay.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pqsip.relay.core.RelayCounters;

/** recvmmsg/sendmmsg through the JNI library, on real loopback sockets (IPv4, and IPv4 clients on a dual-stack IPv6 socket). */
@org.junit.jupiter.api.Timeout(30) // blocking client reads: a datagram that never comes fails the test instead of hanging it
class ClientBatchTest {
  private final List<DatagramChannel> open = new ArrayList<>();
  private final RelayCounters counters = new RelayCounters();

  @BeforeEach
  void needsTheLibrary() {
    assumeTrue(UdpBatch.AVAILABLE, "batched UDP system calls are not available on this platform");
  }

  @AfterEach
  void close() throws Exception {
    for (DatagramChannel c : open) {
      c.close();
    }
  }

  private DatagramChannel bound(InetSocketAddress at) throws Exception {
    DatagramChannel c = at.getAddress() instanceof java.net.Inet4Address
        ? DatagramChannel.open(java.net.StandardProtocolFamily.INET) : DatagramChannel.open(java.net.StandardProtocolFamily.INET6);
    open.add(c);
    c.bind(at);
    return c;
  }

  /** A non-blocking listener on {@code host} and its batch. */
  private ClientBatch batchOn(String host, long salt) throws Exception {
    DatagramChannel listener = bound(new InetSocketAddress(InetAddress.getByName(host), 0));
    listener.configureBlocking(false);
    return ClientBatch.of(listener, salt, counters);
  }

  /** A client socket on 127.0.0.1 and a link (an allocation's) for it. */
  private Link clientLink() throws Exception {
    Link l = new Link(null, 0);
    l.client = (InetSocketAddress) bound(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0)).getLocalAddress();
    return l;
  }

  private DatagramChannel socketOf(Link l) {
    return open.stream().filter(c -> {
      try {
        return l.client.equals(c.getLocalAddress());
      } catch (java.io.IOException e) {
        return false;
      }
    }).findFirst().orElseThrow();
  }

  private static String text(ByteBuffer b) {
    return StandardCharsets.US_ASCII.decode(b.duplicate()).toString();
  }

  private static ByteBuffer ascii(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
  }

  /** Receives on a non-blocking listener until n datagrams came (deadline 5 s, no sleeps). */
  private static int receiveAtLeast(ClientBatch b, int n) {
    long deadline = System.nanoTime() + 5_000_000_000L;
    int got;
    do {
      got = b.receive();
      assertThat(System.nanoTime()).as("datagrams within 5 s").isLessThan(deadline);
    } while (got == 0);
    assertThat(got).isEqualTo(n);
    return got;
  }

  @Test
  void receivesABatchFindsEachSendersLinkAndAnswersEachInOneFlush() throws Exception {
    ClientBatch batch = batchOn("127.0.0.1", 42);
    InetSocketAddress at = batch.local();
    List<DatagramChannel> clients = new ArrayList<>();
    List<Link> links = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Link l = clientLink();
      clients.add(socketOf(l));
      links.add(l);
      if (i < 4) { // the fifth client has no allocation
        assertThat(batch.index(l)).isTrue();
      }
    }
    for (int i = 0; i < 5; i++) {
      clients.get(i).send(ascii("from " + i), at);
    }
    int n = receiveAtLeast(batch, 5);
    for (int i = 0; i < n; i++) {
      String got = text(batch.datagram(i));
      int who = got.charAt(got.length() - 1) - '0';
      assertThat(batch.tuple(i).client()).isEqualTo(clients.get(who).getLocalAddress());
      assertThat(batch.tuple(i).server()).isEqualTo(at);
      assertThat(batch.link(i)).isSameAs(who < 4 ? links.get(who) : null);
    }
    for (int i = 0; i < 4; i++) {
      batch.queue(ascii("to " + i), links.get(i));
    }
    batch.flush();
    for (int i = 0; i < 4; i++) {
      ByteBuffer in = ByteBuffer.allocate(100);
      clients.get(i).receive(in);
      assertThat(text(in.flip())).isEqualTo("to " + i);
    }
    assertThat(counters.get(RelayCounters.DROPPED)).isZero();
  }

  @Test
  void unindexedClientsAreNoLongerFound() throws Exception {
    ClientBatch batch = batchOn("127.0.0.1", 7);
    Link l = clientLink();
    assertThat(batch.index(l)).isTrue();
    assertThat(batch.index(l)).as("one link per client address").isFalse();
    batch.unindex(l);
    socketOf(l).send(ascii("x"), batch.local());
    receiveAtLeast(batch, 1);
    assertThat(batch.link(0)).isNull();
  }

  @Test
  void ipv4ClientsOnADualStackListenerAreMappedBothWays() throws Exception {
    ClientBatch batch = batchOn("::", 9);
    int port = batch.local().getPort();
    Link l = clientLink();
    DatagramChannel c = socketOf(l);
    assertThat(batch.index(l)).isTrue();
    c.send(ascii("v4 via v6"), new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
    receiveAtLeast(batch, 1);
    assertThat(batch.tuple(0).client()).isEqualTo(l.client); // ::ffff:127.0.0.1 reads as 127.0.0.1
    assertThat(batch.link(0)).isSameAs(l);
    batch.queue(ascii("back"), l);
    batch.flush();
    ByteBuffer in = ByteBuffer.allocate(100);
    c.receive(in);
    assertThat(text(in.flip())).isEqualTo("back");
  }

  @Test
  void aSendTheKernelRefusesIsCountedAndTheRestStillGo() throws Exception {
    ClientBatch batch = batchOn("127.0.0.1", 3);
    Link nowhere = new Link(null, 0);
    nowhere.client = new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0); // port 0: EINVAL from sendmmsg
    batch.index(nowhere);
    Link ok = clientLink();
    DatagramChannel c = socketOf(ok);
    batch.index(ok);
    batch.queue(ascii("lost"), nowhere);
    batch.queue(ascii("kept"), ok);
    batch.flush();
    ByteBuffer in = ByteBuffer.allocate(100);
    c.receive(in);
    assertThat(text(in.flip())).isEqualTo("kept");
    assertThat(counters.get(RelayCounters.DROPPED)).isEqualTo(1);
  }

  @Test
  void anAddressTheSocketCannotTakeIsSkippedAndTheOnesAroundItGo() throws Exception {
    ClientBatch batch = batchOn("127.0.0.1", 5);
    Link first = clientLink();
    Link v6 = new Link(null, 0);
    v6.client = new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 4000); // no family on an IPv4 socket
    Link last = clientLink();
    batch.index(first);
    batch.index(v6);
    batch.index(last);
    batch.queue(ascii("one"), first);
    batch.queue(ascii("never"), v6);
    batch.queue(ascii("two"), last);
    batch.flush();
    for (Link l : List.of(first, last)) {
      ByteBuffer in = ByteBuffer.allocate(100);
      socketOf(l).receive(in);
      assertThat(text(in.flip())).isEqualTo(l == first ? "one" : "two");
    }
    assertThat(counters.get(RelayCounters.DROPPED)).isEqualTo(1);
  }
}
