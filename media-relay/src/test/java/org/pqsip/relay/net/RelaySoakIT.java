package org.pqsip.relay.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.pqsip.relay.cli.Relay;
import org.pqsip.stun.StunClass;
import org.pqsip.stun.StunMessage;
import org.pqsip.stun.StunMethod;

/**
 * The relay as operators run it (its own JVM, -Xmx128m, the command line, metrics on) under mixed
 * load, three rounds: 200 UDP calls, 10 over TCP and 10 over TLS, all up at once, each from its
 * own loopback source, echo their media through it while a garbage sender, an unauthenticated Allocate flood
 * and a TCP connection flood (each from a source of its own) hit it. Every round: no legitimate
 * packet lost, each abuser capped, the metrics account for each (drops, rate-limited requests,
 * refused connections, no internal error), and nothing left when the round ends. Across rounds:
 * no growth of open file descriptors or of the heap after a full GC.
 */
@Timeout(600)
class RelaySoakIT {
  private static final int ROUNDS = 3;
  private static final int UDP_CALLS = 200;
  private static final int STREAM_CALLS = 10;
  private static final int PACKETS = 25;
  private static final int GARBAGE = 5_000;
  private static final int UNAUTHENTICATED = 3_000;
  /** Abusive datagrams sent at once before waiting for the relay to account for them (kernel buffers stay clear). */
  private static final int BURST = 50;
  private static final int CONNECTION_FLOOD = 300;
  private static final int UNAUTH_RATE = 50;
  private static final int PER_SOURCE = 64;
  private static final Pattern READY = Pattern.compile(
      "relay ready udp:127\\.0\\.0\\.1:(\\d+) tcp:127\\.0\\.0\\.1:(\\d+) tls:127\\.0\\.0\\.1:(\\d+) metrics:(\\S+)");

  @TempDir
  Path dir;
  private Process relay;
  private final ExecutorService threads = Executors.newFixedThreadPool(12);

  @AfterEach
  void stop() throws Exception {
    threads.shutdownNow();
    if (relay != null) {
      relay.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void mixedLoadLosesNoMediaCapsEveryAbuserAndLeavesNothingBehind() throws Exception {
    TestTls tls = TestTls.create(dir);
    Path secret = Files.write(dir.resolve("secret"), TurnTestClient.SECRET);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    relay = new ProcessBuilder(java, "-Xmx128m", "-XX:+UseSerialGC", "-XX:AutoBoxCacheMax=65535", "-cp", System.getProperty("java.class.path"),
        Relay.class.getName(), "--listen", "udp:127.0.0.1:0,tcp:127.0.0.1:0,tls:127.0.0.1:0", "--realm", TurnTestClient.REALM,
        "--auth-secret-file", secret.toString(), "--cert", tls.cert.toString(), "--key", tls.key.toString(),
        "--relay-ports", "61500-61999", "--allow-peer", "127.0.0.0/8", "--threads", "2", "--max-per-user", "1000",
        "--unauth-rate", Integer.toString(UNAUTH_RATE), "--metrics", "127.0.0.1:0").redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(relay.getInputStream(), StandardCharsets.UTF_8));
    String ready = out.readLine();
    Matcher m = READY.matcher(String.valueOf(ready));
    assertThat(m.matches()).as("ready line: %s", ready).isTrue();
    InetSocketAddress udp = new InetSocketAddress("127.0.0.1", Integer.parseInt(m.group(1)));
    InetSocketAddress tcp = new InetSocketAddress("127.0.0.1", Integer.parseInt(m.group(2)));
    InetSocketAddress tlsAt = new InetSocketAddress("127.0.0.1", Integer.parseInt(m.group(3)));
    URI metrics = URI.create("http://" + m.group(4) + "/metrics");

    long fdsAfterFirst = 0;
    long heapAfterFirst = 0;
    for (int round = 1; round <= ROUNDS; round++) {
      Metrics before = Metrics.scrape(metrics);
      Load load = new Load(udp, tcp, tlsAt, tls.client(), round, metrics);
      load.run(threads);
      Metrics after = Metrics.scrape(metrics);

      assertThat(load.lost.get()).as("round %d: legitimate media packets lost", round).isZero();
      assertThat(load.echoed.get()).as("round %d: media packets echoed", round)
          .isEqualTo((UDP_CALLS + 2 * STREAM_CALLS) * PACKETS);
      assertThat(load.unauthenticatedAnswered).as("round %d: unauthenticated requests answered (rate %d/s, burst %d)", round,
          UNAUTH_RATE, 2 * UNAUTH_RATE).isLessThan(UNAUTHENTICATED / 2);
      assertThat(after.delta(before, "pqrelay_rate_limited_requests_total")).as("round %d: rate-limited requests", round)
          .isEqualTo(UNAUTHENTICATED - load.unauthenticatedAnswered);
      assertThat(load.floodHeldMax).as("round %d: connections held for the flooding source", round).isLessThanOrEqualTo(PER_SOURCE);
      assertThat(after.delta(before, "pqrelay_refused_connections_total")).as("round %d: refused connections", round)
          .isGreaterThanOrEqualTo(CONNECTION_FLOOD - 2 * PER_SOURCE);
      assertThat(after.delta(before, "pqrelay_dropped_packets_total")).as("round %d: garbage datagrams dropped", round)
          .isGreaterThanOrEqualTo(GARBAGE);
      assertThat(after.value("pqrelay_internal_errors_total")).as("internal errors").isZero();
      assertThat(after.delta(before, "pqrelay_forwarded_packets_total{direction=\"to_peer\"}")).as("round %d: media to peers", round)
          .isEqualTo((UDP_CALLS + 2 * STREAM_CALLS) * PACKETS);
      awaitMetric(metrics, "pqrelay_allocations", 0);
      awaitMetric(metrics, "pqrelay_connections", 0);

      Metrics settled = afterFullGc(metrics);
      System.out.printf("soak round %d: media %d echoed, %d lost; garbage %d dropped; unauthenticated %d answered, %d rate-limited;"
          + " connection flood %d held, %d refused; after a full GC %d fds, heap %d KB%n", round, load.echoed.get(), load.lost.get(),
          after.delta(before, "pqrelay_dropped_packets_total"), load.unauthenticatedAnswered,
          after.delta(before, "pqrelay_rate_limited_requests_total"), load.floodHeldMax,
          after.delta(before, "pqrelay_refused_connections_total"), settled.value("process_open_fds"),
          settled.value("jvm_memory_used_bytes{area=\"heap\"}") / 1024);
      if (round == 1) {
        fdsAfterFirst = settled.value("process_open_fds");
        heapAfterFirst = settled.value("jvm_memory_used_bytes{area=\"heap\"}");
      } else {
        assertThat(settled.value("process_open_fds")).as("round %d: open file descriptors vs after round 1", round)
            .isLessThanOrEqualTo(fdsAfterFirst);
        assertThat(settled.value("jvm_memory_used_bytes{area=\"heap\"}")).as("round %d: heap after a full GC vs round 1", round)
            .isLessThanOrEqualTo(heapAfterFirst + 4 * 1024 * 1024);
      }
    }
  }

  /** A full GC in the relay (jcmd), then its metrics: what stays is what the relay holds. */
  private Metrics afterFullGc(URI metrics) throws Exception {
    Process gc = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
        Long.toString(relay.pid()), "GC.run").redirectErrorStream(true).start();
    gc.getInputStream().readAllBytes();
    assertThat(gc.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return Metrics.scrape(metrics);
  }

  private static void awaitMetric(URI metrics, String name, long value) throws Exception {
    await(() -> Metrics.scrape(metrics).value(name) == value, name + " back to " + value);
  }

  private static void await(Await.Condition condition, String what) throws Exception {
    Await.until(condition, java.time.Duration.ofSeconds(30), what);
  }

  /** One round of mixed load; the counts the assertions read. */
  private static final class Load {
    private final InetSocketAddress udp;
    private final InetSocketAddress tcp;
    private final InetSocketAddress tls;
    private final SSLContext tlsClient;
    private final int round;
    private final URI metrics;
    final AtomicInteger lost = new AtomicInteger();
    final AtomicInteger echoed = new AtomicInteger();
    int unauthenticatedAnswered;
    int floodHeldMax;

    Load(InetSocketAddress udp, InetSocketAddress tcp, InetSocketAddress tls, SSLContext tlsClient, int round, URI metrics) {
      this.metrics = metrics;
      this.udp = udp;
      this.tcp = tcp;
      this.tls = tls;
      this.tlsClient = tlsClient;
      this.round = round;
    }

    void run(ExecutorService threads) throws Exception {
      try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
        InetSocketAddress peerAt = (InetSocketAddress) peer.getLocalSocketAddress();
        Future<?> echo = threads.submit(() -> echo(peer));
        List<Future<?>> work = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          int first = t;
          work.add(threads.submit(() -> {
            List<TurnTestClient> clients = new ArrayList<>();
            for (int c = first; c < UDP_CALLS; c += 8) {
              clients.add(new TurnTestClient(udp, source(1, c)));
            }
            calls(clients, peerAt);
            return null;
          }));
        }
        work.add(threads.submit(() -> {
          List<TurnTestClient> clients = new ArrayList<>();
          for (int c = 0; c < STREAM_CALLS; c++) {
            clients.add(TurnTestClient.overTcp(tcp, source(2, c)));
            clients.add(TurnTestClient.overTls(tls, tlsClient, source(3, c)));
          }
          calls(clients, peerAt);
          return null;
        }));
        Future<?> garbage = threads.submit(this::garbage);
        Future<Integer> unauthenticated = threads.submit(this::unauthenticated);
        Future<Integer> flood = threads.submit(this::connectionFlood);
        for (Future<?> f : work) {
          f.get(300, TimeUnit.SECONDS);
        }
        garbage.get(300, TimeUnit.SECONDS);
        unauthenticatedAnswered = unauthenticated.get(300, TimeUnit.SECONDS);
        floodHeldMax = flood.get(300, TimeUnit.SECONDS);
        peer.close();
        echo.get(30, TimeUnit.SECONDS);
      }
    }

    /** 127.0.{net}.{n+1}: one source per client (all of 127/8 is loopback on Linux). */
    private InetAddress source(int net, int n) throws IOException {
      return InetAddress.getByAddress(new byte[] {127, (byte) (round * 10 + net), (byte) (n / 250), (byte) (n % 250 + 1)});
    }

    /**
     * Calls that are all up at once: each allocates and binds a channel to the peer, then they
     * echo {@link #PACKETS} each, taking turns one packet at a time, then each ends its allocation
     * (UDP: a refresh to 0; TCP/TLS: closing the connection).
     */
    private void calls(List<TurnTestClient> clients, InetSocketAddress peer) throws Exception {
      try {
        for (TurnTestClient c : clients) {
          c.allocate("soak");
          assertThat(c.channelBind(0x4000, peer).messageClass()).isEqualTo(StunClass.SUCCESS);
        }
        byte[] payload = new byte[160];
        for (int i = 0; i < PACKETS; i++) {
          for (TurnTestClient c : clients) {
            ByteBuffer.wrap(payload).putInt(0, i);
            c.channelData(0x4000, payload);
            try {
              byte[] back = c.receive();
              if (back.length >= 8 && ByteBuffer.wrap(back).getInt(4) == i) {
                echoed.incrementAndGet();
              } else {
                lost.incrementAndGet();
              }
            } catch (java.net.SocketTimeoutException e) {
              lost.incrementAndGet();
            }
          }
        }
        for (TurnTestClient c : clients) {
          if (c.socket != null) {
            assertThat(c.refresh(0).messageClass()).isEqualTo(StunClass.SUCCESS);
          }
        }
      } finally {
        for (TurnTestClient c : clients) {
          c.close();
        }
      }
    }

    private static void echo(DatagramSocket peer) {
      DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
      try {
        while (true) {
          peer.receive(p);
          peer.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
        }
      } catch (IOException closed) {
        // the round is over
      }
    }

    /**
     * Datagrams that are neither STUN nor ChannelData (first byte 0x80-0xff), from one source, in
     * bursts: each burst must show as dropped in the relay's metrics before the next goes (so the
     * garbage is dropped by the relay, not by an overflowing kernel buffer, and counted).
     */
    private Void garbage() throws Exception {
      SplittableRandom random = new SplittableRandom(round);
      long base = Metrics.scrape(metrics).value("pqrelay_dropped_packets_total");
      try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(source(4, 0), 0))) {
        for (int sent = 0; sent < GARBAGE; ) {
          for (int i = 0; i < BURST; i++, sent++) {
            byte[] b = new byte[1 + random.nextInt(300)];
            random.nextBytes(b);
            b[0] |= (byte) 0x80;
            s.send(new DatagramPacket(b, b.length, udp));
          }
          long want = base + sent;
          await(() -> Metrics.scrape(metrics).value("pqrelay_dropped_packets_total") >= want, "garbage counted as dropped");
        }
      }
      return null;
    }

    /**
     * Unauthenticated Allocates from one source in bursts; each burst must be accounted for (answered
     * with a 401 here, or counted as rate-limited there) before the next. How many were answered.
     */
    private Integer unauthenticated() throws Exception {
      AtomicInteger answered = new AtomicInteger();
      long base = Metrics.scrape(metrics).value("pqrelay_rate_limited_requests_total");
      try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(source(5, 0), 0))) {
        Thread reader = new Thread(() -> {
          DatagramPacket p = new DatagramPacket(new byte[1500], 1500);
          try {
            while (true) {
              s.receive(p);
              answered.incrementAndGet();
            }
          } catch (IOException closed) {
            // done
          }
        });
        reader.setDaemon(true);
        reader.start();
        for (int sent = 0; sent < UNAUTHENTICATED; ) {
          for (int i = 0; i < BURST; i++, sent++) {
            byte[] req = StunMessage.of(StunClass.REQUEST, StunMethod.ALLOCATE, TurnTestClient.tid(), TurnTestClient.UDP)
                .encode(null, false, true);
            s.send(new DatagramPacket(req, req.length, udp));
          }
          int want = sent;
          await(() -> answered.get() + Metrics.scrape(metrics).value("pqrelay_rate_limited_requests_total") - base == want,
              "unauthenticated requests answered or rate-limited");
        }
      }
      return answered.get();
    }

    /** TCP connections from one source, all held; the most the relay kept open at once. */
    private Integer connectionFlood() throws IOException {
      List<Socket> held = new ArrayList<>();
      try {
        for (int i = 0; i < CONNECTION_FLOOD; i++) {
          Socket s = new Socket();
          s.bind(new InetSocketAddress(source(6, 0), 0));
          s.connect(tcp, 5000);
          held.add(s);
        }
        int open = 0;
        for (Socket s : held) { // refused ones were closed at accept: end of stream at once
          s.setSoTimeout(50);
          try {
            if (s.getInputStream().read() >= 0) {
              open++;
            }
          } catch (java.net.SocketTimeoutException stillOpen) {
            open++;
          } catch (IOException reset) {
            // refused
          }
        }
        return open;
      } finally {
        for (Socket s : held) {
          s.close();
        }
      }
    }
  }

  /** A metrics scrape: each sample line's value by its name (with labels). */
  private record Metrics(java.util.Map<String, Double> values) {
    /** HTTP/1.0 over a socket of its own, closed after the answer: no pooled connection stays open in the relay. */
    static Metrics scrape(URI at) throws Exception {
      String body;
      try (Socket s = new Socket(at.getHost(), at.getPort())) {
        s.setSoTimeout(10_000);
        s.getOutputStream().write(("GET " + at.getPath() + " HTTP/1.0\r\nHost: " + at.getHost() + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(response).startsWith("HTTP/1.1 200");
        body = response.substring(response.indexOf("\r\n\r\n") + 4);
      }
      java.util.Map<String, Double> v = new java.util.HashMap<>();
      for (String line : body.split("\n")) {
        if (!line.startsWith("#") && !line.isBlank()) {
          int space = line.lastIndexOf(' ');
          v.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
      }
      return new Metrics(v);
    }

    long value(String name) {
      Double d = values.get(name);
      if (d == null) {
        throw new AssertionError("no metric " + name);
      }
      return d.longValue();
    }

    long delta(Metrics before, String name) {
      return value(name) - before.value(name);
    }
  }
}
