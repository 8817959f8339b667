package org.pqsip.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.pqsip.ice.RelayTls;
import org.pqsip.ice.RelayUri;
import org.pqsip.ice.TurnClient;
import org.pqsip.relay.net.RelayServer;
import org.pqsip.relay.net.TlsContexts;
import org.pqsip.stun.RestCredentials;

/**
 * {@code ./pq bench relay-flood [SECONDS]}: what a TLS handshake flood does to the media on the
 * same event loop. A one-loop relay on loopback relays one UDP call (our TURN client, 500 packets
 * a second to a peer that echoes them) while 8 threads complete TLS handshakes as fast as they
 * can (the per-source rate limit opened: a flood from many sources). Three runs: no flood; the
 * flood with the handshakes' key exchange and signature on the event loop
 * ({@code --tls-handshake-threads 0}, as before); the flood with them on a worker (the default).
 * Prints handshakes per second, the event loop's CPU per handshake and the media's round trip
 * through the relay (p50, p99, max) and loss.
 */
public final class RelayFloodBench {
  private static final InetAddress LO = InetAddress.getLoopbackAddress();
  private static final byte[] SECRET = "relay-flood-bench-secret".getBytes(StandardCharsets.UTF_8);
  private static final int PACKETS_PER_SECOND = 500;

  private RelayFloodBench() {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    Path dir = Files.createTempDirectory("pq-relay-flood");
    try {
      certificate(dir);
      System.out.printf("relay flood: one event loop, %d s per run, media %d packets/s, 8 handshaking threads%n", seconds,
          PACKETS_PER_SECOND);
      System.out.printf("%-26s %12s %16s %9s %9s %9s %6s%n", "run", "handshakes/s", "loop CPU/hs (ms)", "rtt p50", "rtt p99",
          "rtt max", "lost");
      run("no flood", dir, 1, seconds, false);
      run("flood, handshakes on loop", dir, 0, seconds, true);
      run("flood, handshakes on worker", dir, 1, seconds, true);
    } finally {
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
      Files.delete(dir);
    }
  }

  private static void run(String name, Path dir, int workers, int seconds, boolean flood) throws Exception {
    List<InetSocketAddress> any = List.of(new InetSocketAddress(LO, 0));
    RelayServer relay = RelayServer.start(new RelayServer.Config(any, List.of(), any,
        TlsContexts.fromPem(dir.resolve("cert.pem"), dir.resolve("key.pem")), LO, 62000, 62099, "pq.bench", SECRET,
        List.of("127.0.0.0/8"), 100, 100, 1, 1_000_000, RelayServer.batchedUdpAvailable(), workers,
        RelayServer.Config.DEFAULT_UDP_BUFFER));
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long[] rtts = new long[PACKETS_PER_SECOND * (seconds + 5)];
    AtomicInteger received = new AtomicInteger();
    try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress(LO, 0))) {
      String[] user = new RestCredentials(SECRET, "pq.bench").mint(System.currentTimeMillis() / 1000 + 3600, "bench");
      TurnClient media = TurnClient.allocate(new RelayUri("udp", relay.udpAddresses().get(0)), Optional.empty(), LO, user[0],
          user[1], Duration.ofSeconds(5), new TurnClient.Receiver() {
            @Override
            public void datagram(InetSocketAddress from, byte[] data, int offset, int length) {
              int i = received.getAndIncrement();
              if (i < rtts.length) {
                rtts[i] = System.nanoTime() - ByteBuffer.wrap(data, offset, length).getLong();
              }
            }

            @Override
            public void closed() {}
          });
      Thread echo = echo(peer, media.relayed());
      SSLSocketFactory client = RelayTls.socketFactory(Optional.of(dir.resolve("cert.pem"))); // as phones trust --relay-ca
      AtomicLong handshakes = new AtomicLong();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      Thread[] flooders = new Thread[flood ? 8 : 0];
      long loopCpu0 = loopCpu(mx, relay);
      for (int t = 0; t < flooders.length; t++) {
        flooders[t] = new Thread(() -> handshakeUntil(client, relay.tlsAddresses().get(0), deadline, handshakes), "flood-" + t);
        flooders[t].start();
      }
      byte[] packet = new byte[172];
      InetSocketAddress to = (InetSocketAddress) peer.getLocalSocketAddress();
      int sent = 0;
      long next = System.nanoTime();
      while (System.nanoTime() < deadline && sent < rtts.length) {
        ByteBuffer.wrap(packet).putLong(0, System.nanoTime());
        media.send(to, packet, 0, packet.length);
        sent++;
        next += 1_000_000_000L / PACKETS_PER_SECOND;
        LockSupport.parkNanos(next - System.nanoTime()); // pacing the sender, not waiting for an event
      }
      for (Thread f : flooders) {
        f.join();
      }
      long loopCpu = loopCpu(mx, relay) - loopCpu0;
      long drain = System.nanoTime() + 2_000_000_000L;
      while (received.get() < sent && System.nanoTime() < drain) {
        Thread.onSpinWait();
      }
      media.close();
      echo.interrupt();
      int n = Math.min(received.get(), rtts.length);
      long[] sorted = Arrays.copyOf(rtts, n);
      Arrays.sort(sorted);
      double hsPerSecond = handshakes.get() / (double) seconds;
      System.out.printf("%-26s %12.0f %16s %9s %9s %9s %6d%n", name, hsPerSecond,
          handshakes.get() == 0 ? "-" : String.format("%.3f", loopCpu / 1e6 / handshakes.get()),
          micros(sorted, 0.50), micros(sorted, 0.99), micros(sorted, 1.0), sent - received.get());
    } finally {
      relay.close();
    }
  }

  private static String micros(long[] sorted, double q) {
    if (sorted.length == 0) {
      return "-";
    }
    int i = Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1);
    return String.format("%d us", sorted[Math.max(0, i)] / 1000);
  }

  private static long loopCpu(ThreadMXBean mx, RelayServer relay) {
    long n = 0;
    for (Thread t : relay.threads()) {
      n += mx.getThreadCpuTime(t.getId());
    }
    return n;
  }

  private static void handshakeUntil(SSLSocketFactory client, InetSocketAddress at, long deadline, AtomicLong handshakes) {
    while (System.nanoTime() < deadline) {
      try (SSLSocket s = (SSLSocket) client.createSocket(at.getAddress(), at.getPort())) {
        s.setSoTimeout(5000);
        s.startHandshake();
        handshakes.incrementAndGet();
      } catch (IOException refused) {
        // counted by the relay; the flood goes on
      }
    }
  }

  private static Thread echo(DatagramSocket peer, InetSocketAddress relayed) {
    Thread t = new Thread(() -> {
      DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
      try {
        while (!Thread.currentThread().isInterrupted()) {
          peer.receive(p);
          peer.send(new DatagramPacket(p.getData(), p.getLength(), relayed));
        }
      } catch (IOException closed) {
        // the run is over
      }
    }, "echo");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** A throw-away P-256 certificate (openssl), as an operator's would be. */
  private static void certificate(Path dir) throws Exception {
    Process p = new ProcessBuilder(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", dir.resolve("key.pem").toString(), "-out", dir.resolve("cert.pem").toString(), "-days", "1",
        "-subj", "/CN=relay.bench")).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("openssl could not make a certificate: " + out);
    }
  }
}
