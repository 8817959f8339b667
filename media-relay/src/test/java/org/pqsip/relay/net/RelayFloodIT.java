package org.pqsip.relay.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.pqsip.relay.core.RelayCounters;

/**
 * A connection flood from one source (issue 11, finding 2) against a one-loop relay that relays a
 * UDP call's media at the same time: full TLS handshakes, then idle TCP and half-open TLS
 * connections. The media (every packet echoed by the peer, each one waited for) loses nothing,
 * the relay never holds more than its per-source share of connections, every attempt is either
 * held or refused and counted, and when the flooder goes, no connection is left.
 */
@Timeout(120)
class RelayFloodIT {
  private static final InetAddress LO = InetAddress.getLoopbackAddress();
  /** The production default of --unauth-rate: new connections per second per source. */
  private static final int UNAUTH_RATE = 50;
  private static final int PER_SOURCE = 64;

  @TempDir
  Path dir;
  private RelayServer server;
  private SSLContext clientTls;
  private final List<AutoCloseable> open = new ArrayList<>();
  private final ExecutorService threads = Executors.newFixedThreadPool(10);

  @BeforeEach
  void start() throws Exception {
    TestTls tls = TestTls.create(dir);
    clientTls = tls.client();
    List<InetSocketAddress> any = List.of(new InetSocketAddress(LO, 0));
    server = RelayServer.start(new RelayServer.Config(any, any, any, tls.server(), LO, 61200, 61299, TurnTestClient.REALM,
        TurnTestClient.SECRET, List.of("127.0.0.0/8"), 1000, 100, 1, UNAUTH_RATE, RelayServer.batchedUdpAvailable()));
  }

  @AfterEach
  void stop() throws Exception {
    threads.shutdownNow();
    for (AutoCloseable c : open) {
      c.close();
    }
    server.close();
  }

  private long counter(int slot) {
    return server.counters().get(0).get(slot);
  }

  @Test
  void mediaKeepsFlowingWhileOneSourceFloodsTcpAndTls() throws Exception {
    Media media = new Media();
    Future<Integer> echoed = threads.submit(media);
    media.awaitFirst();

    // 1. Full TLS handshakes, 8 at a time, 400 in all: each is either served (its key exchange on a
    // worker) or refused at accept (the source is over its rate: 50 a second, burst 100).
    AtomicInteger handshakes = new AtomicInteger();
    List<Future<?>> hs = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      hs.add(threads.submit(() -> {
        for (int i = 0; i < 50; i++) {
          try (SSLSocket s = (SSLSocket) clientTls.getSocketFactory().createSocket(LO, server.tlsAddresses().get(0).getPort())) {
            s.setSoTimeout(10_000);
            s.startHandshake();
            handshakes.incrementAndGet();
          } catch (IOException refused) {
            // closed at accept (rate or share): counted by the relay
          }
        }
        return null;
      }));
    }
    for (Future<?> f : hs) {
      f.get(60, TimeUnit.SECONDS);
    }
    assertThat(handshakes.get()).as("TLS handshakes served during the flood").isPositive().isLessThan(400);
    assertThat(counter(RelayCounters.CONNECTIONS_REFUSED)).as("handshakes refused by the source's rate").isPositive();
    await(() -> server.openConnections() == 0, "the served TLS connections closed");

    // 2. Idle TCP and half-open TLS (a partial ClientHello, then nothing), all held open by the flooder.
    long refusedBefore = counter(RelayCounters.CONNECTIONS_REFUSED);
    int attempts = 0;
    for (int i = 0; i < 300; i++) {
      open.add(new Socket(LO, server.tcpAddresses().get(0).getPort()));
      Socket halfOpen = new Socket(LO, server.tlsAddresses().get(0).getPort());
      halfOpen.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03});
      open.add(halfOpen);
      attempts += 2;
      assertThat(server.openConnections()).as("connections held for one source").isLessThanOrEqualTo(PER_SOURCE);
    }
    int all = attempts;
    await(() -> server.openConnections() + counter(RelayCounters.CONNECTIONS_REFUSED) - refusedBefore == all,
        "every attempt held or refused");
    assertThat(server.openConnections()).isPositive().isLessThanOrEqualTo(PER_SOURCE);

    media.stop.set(true);
    int packets = echoed.get(60, TimeUnit.SECONDS);
    assertThat(packets).as("media packets echoed through the relay during the flood").isGreaterThan(100);
    assertThat(media.lost).as("media packets lost").isZero();
    assertThat(counter(RelayCounters.INTERNAL_ERRORS)).isZero();

    for (AutoCloseable c : open) {
      c.close();
    }
    open.clear();
    await(() -> server.openConnections() == 0, "no connection left after the flooder went");
  }

  private static void await(Await.Condition condition, String what) throws Exception {
    Await.until(condition, java.time.Duration.ofSeconds(30), what);
  }

  /** A UDP allocation whose peer echoes: one packet out, its echo back, again, until stopped (at most 200,000). */
  private final class Media implements java.util.concurrent.Callable<Integer> {
    final AtomicBoolean stop = new AtomicBoolean();
    private final java.util.concurrent.CountDownLatch first = new java.util.concurrent.CountDownLatch(1);
    volatile int lost;

    @Override
    public Integer call() throws Exception {
      try (TurnTestClient client = new TurnTestClient(server.udpAddresses().get(0));
           DatagramSocket peer = new DatagramSocket(new InetSocketAddress(LO, 0))) {
        InetSocketAddress relayed = client.allocate("media");
        client.channelBind(0x4000, (InetSocketAddress) peer.getLocalSocketAddress());
        Thread echo = new Thread(() -> {
          DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
          try {
            while (true) {
              peer.receive(p);
              peer.send(new DatagramPacket(p.getData(), p.getLength(), relayed));
            }
          } catch (IOException closed) {
            // the test is over
          }
        });
        echo.setDaemon(true);
        echo.start();
        client.socket.setSoTimeout(2000);
        byte[] payload = new byte[160];
        int n = 0;
        while (!stop.get() && n < 200_000) {
          ByteBuffer.wrap(payload).putInt(0, n);
          client.channelData(0x4000, payload);
          try {
            byte[] back = client.receive();
            if (ByteBuffer.wrap(back).getInt(4) != n) {
              lost++;
            }
          } catch (java.net.SocketTimeoutException e) {
            lost++;
          }
          n++;
          first.countDown();
        }
        return n;
      }
    }

    void awaitFirst() throws InterruptedException {
      assertThat(first.await(10, TimeUnit.SECONDS)).as("media started").isTrue();
    }
  }
}
