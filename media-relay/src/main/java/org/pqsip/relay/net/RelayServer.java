package org.pqsip.relay.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.pqsip.relay.alloc.Quotas;
import org.pqsip.stun.RestCredentials;
import org.pqsip.relay.core.ConnectionBudget;
import org.pqsip.relay.core.OtherAddress;
import org.pqsip.relay.core.PeerPolicy;
import org.pqsip.relay.core.RelayCounters;
import org.pqsip.relay.core.SourceLimiter;
import org.pqsip.relay.core.TurnService;

/**
 * The relay: N event loops (one per core by default) sharing the listening ports through
 * SO_REUSEPORT, one credential secret, one peer policy, one quota and one relayed port range.
 * Stateless across loops otherwise. Logs nothing.
 */
public final class RelayServer implements AutoCloseable {
  /**
   * The relay's settings (the command line and config file map onto this). {@code batchedUdp}:
   * UDP clients through recvmmsg/sendmmsg where the platform has them ({@link UdpBatch}).
   * {@code tlsWorkers}: threads for TLS handshakes' key exchange and signature, off the event
   * loops; 0 runs them on the event loops (the forwarding threads). {@code udpBuffer}: the receive
   * and send buffer asked for each UDP listening socket, in bytes (the kernel grants at most
   * net.core.rmem_max / wmem_max; 0 keeps the kernel's default).
   */
  public record Config(
      List<InetSocketAddress> udp, List<InetSocketAddress> tcp, List<InetSocketAddress> tls, SSLContext tlsContext,
      InetAddress relayAddress, int relayPortMin, int relayPortMax,
      String realm, byte[] authSecret, List<String> allowPeers, int maxAllocations, int maxPerUser,
      int threads, int unauthRate, boolean batchedUdp, int tlsWorkers, int udpBuffer) {
    /**
     * The UDP listeners' buffer asked for by default: 4 MiB, twenty times the kernel's usual
     * default, so that a pause of the event loop (a GC, a burst of control work)
     * does not overflow it.
     */
    public static final int DEFAULT_UDP_BUFFER = 4 * 1024 * 1024;

    /** With the defaults for TLS handshake workers (half the event loops, at least one) and UDP buffers. */
    public Config(List<InetSocketAddress> udp, List<InetSocketAddress> tcp, List<InetSocketAddress> tls, SSLContext tlsContext,
        InetAddress relayAddress, int relayPortMin, int relayPortMax, String realm, byte[] authSecret, List<String> allowPeers,
        int maxAllocations, int maxPerUser, int threads, int unauthRate, boolean batchedUdp) {
      this(udp, tcp, tls, tlsContext, relayAddress, relayPortMin, relayPortMax, realm, authSecret, allowPeers, maxAllocations,
          maxPerUser, threads, unauthRate, batchedUdp, defaultTlsWorkers(threads), DEFAULT_UDP_BUFFER);
    }

    /** Half the event loops, at least one. */
    public static int defaultTlsWorkers(int threads) {
      return Math.max(1, threads / 2);
    }

    public Config {
      if (tlsWorkers < 0 || tlsWorkers > 256) {
        throw new IllegalArgumentException("TLS handshake threads must be between 0 and 256");
      }
      if (udpBuffer < 0) {
        throw new IllegalArgumentException("the UDP buffer size must not be negative");
      }
      udp = List.copyOf(udp);
      tcp = List.copyOf(tcp);
      tls = List.copyOf(tls);
      if (!tls.isEmpty() && tlsContext == null) {
        throw new IllegalArgumentException("tls listeners need a certificate and key (--cert, --key)");
      }
      allowPeers = List.copyOf(allowPeers);
      authSecret = authSecret.clone();
      if (udp.isEmpty() && tcp.isEmpty() && tls.isEmpty()) {
        throw new IllegalArgumentException("the relay needs at least one listening address");
      }
      if (threads < 1 || threads > 256) {
        throw new IllegalArgumentException("threads must be between 1 and 256");
      }
      if (authSecret.length == 0) {
        throw new IllegalArgumentException("the auth secret must not be empty");
      }
    }
  }

  private final List<EventLoop> loops = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final Quotas quotas;
  private final List<InetSocketAddress> udpAddresses;
  private final List<InetSocketAddress> tcpAddresses;
  private final List<InetSocketAddress> tlsAddresses;
  /** Where TLS handshakes' delegated tasks run, off the forwarding threads (threads made only when a handshake waits); null: on them. */
  private final ThreadPoolExecutor handshakeWorkers;
  /** Every loop's TCP/TLS connections: a slot per open one. */
  private final ConnectionBudget budget;

  private RelayServer(Config c) throws IOException {
    this.handshakeWorkers = c.tlsWorkers() == 0 ? null : new ThreadPoolExecutor(c.tlsWorkers(), c.tlsWorkers(), 30,
        TimeUnit.SECONDS, new ArrayBlockingQueue<>(TlsHandshakes.MAX_IN_FLIGHT * c.threads()), r -> {
          Thread t = new Thread(r, "pqsip-relay-tls");
          t.setDaemon(true);
          return t;
        });
    if (handshakeWorkers != null) {
      handshakeWorkers.allowCoreThreadTimeOut(true); // no thread while no handshake waits
    }
    Executor tasks = handshakeWorkers == null ? Runnable::run : handshakeWorkers;
    this.quotas = new Quotas(c.maxAllocations(), c.maxPerUser());
    RelayPortPool pool = new RelayPortPool(c.relayPortMin(), c.relayPortMax());
    byte[] nonceKey = new byte[32];
    SecureRandom random = new SecureRandom();
    random.nextBytes(nonceKey);
    Set<InetAddress> own = new HashSet<>();
    own.add(c.relayAddress());
    c.udp().forEach(a -> own.add(a.getAddress()));
    c.tcp().forEach(a -> own.add(a.getAddress()));
    c.tls().forEach(a -> own.add(a.getAddress()));
    OtherAddress otherAddress = new OtherAddress(c.relayAddress());
    TurnService.Settings settings = new TurnService.Settings(new RestCredentials(c.authSecret(), c.realm()), c.realm(),
        nonceKey, new PeerPolicy(own, c.allowPeers()), c.relayAddress(), otherAddress);
    this.budget = new ConnectionBudget(EventLoop.MAX_TCP * c.threads(), EventLoop.MAX_TCP_PER_SOURCE, EventLoop.TCP_IDLE_NANOS,
        EventLoop.TCP_IDLE_PRESSURED_NANOS, secretKey(random));
    EventLoop.Shared shared = new EventLoop.Shared(c.tlsContext(), settings, quotas, pool,
        new SourceLimiter(c.unauthRate(), secretKey(random)), budget, tasks, c.udpBuffer(), c.batchedUdp());
    List<InetSocketAddress> bind = c.udp();
    List<InetSocketAddress> bindTcp = c.tcp();
    List<InetSocketAddress> bindTls = c.tls();
    try {
      for (int i = 0; i < c.threads(); i++) {
        EventLoop loop = new EventLoop(bind, bindTcp, bindTls, shared, random.nextLong());
        loops.add(loop);
        bind = loop.udpAddresses(); // port 0 resolved by the first loop: the others join it
        bindTcp = loop.tcpAddresses();
        bindTls = loop.tlsAddresses();
      }
    } catch (IOException | RuntimeException e) {
      loops.forEach(EventLoop::release);
      if (handshakeWorkers != null) {
        handshakeWorkers.shutdownNow();
      }
      throw e;
    }
    this.udpAddresses = List.copyOf(bind);
    otherAddress.listeners(udpAddresses);
    this.tcpAddresses = List.copyOf(bindTcp);
    this.tlsAddresses = List.copyOf(bindTls);
  }

  /** A fresh secret key for a limiter's keyed hash: never stored, never logged. */
  private static byte[] secretKey(SecureRandom random) {
    byte[] k = new byte[16];
    random.nextBytes(k);
    return k;
  }

  /**
   * Whether the JVM's Integer cache covers file descriptors up to 65,535. The JDK's epoll
   * selector looks each ready descriptor up in a map keyed by {@code Integer}: above the cache
   * (127 by default) every wake-up of an allocation's socket allocates 16 bytes, which a relay
   * with more than about a hundred allocations always has. {@code -XX:AutoBoxCacheMax=65535}
   * (in {@code ./pq relay}, the systemd unit and {@code pq-felix}) makes the forwarding path
   * allocation-free again ({@code RelayServerIT.forwardingAllocatesNothingPerPacket}).
   */
  public static boolean selectorBoxingAvoided() {
    Integer a = 65_535;
    Integer b = 65_535;
    return a == b; // the same cached instance only if the cache reaches that far
  }

  public static RelayServer start(Config c) throws IOException {
    RelayServer s = new RelayServer(c);
    for (int i = 0; i < s.loops.size(); i++) {
      Thread t = new Thread(s.loops.get(i), "pqsip-relay-" + i);
      t.setDaemon(true);
      s.threads.add(t);
      t.start();
    }
    return s;
  }

  /** Whether this platform has the batched UDP system calls ({@link UdpBatch}). */
  public static boolean batchedUdpAvailable() {
    return UdpBatch.AVAILABLE;
  }

  /** Where clients reach the relay over UDP. */
  public List<InetSocketAddress> udpAddresses() {
    return udpAddresses;
  }

  /** Where clients reach the relay over TCP. */
  public List<InetSocketAddress> tcpAddresses() {
    return tcpAddresses;
  }

  /** Where clients reach the relay over TLS. */
  public List<InetSocketAddress> tlsAddresses() {
    return tlsAddresses;
  }

  /** The receive buffer the kernel granted the UDP listening sockets (the smallest of them), in bytes; 0 without UDP. */
  public int udpReceiveBuffer() {
    return loops.stream().mapToInt(EventLoop::udpReceiveBuffer).min().orElse(0);
  }

  /** One aggregate counter set per event loop. */
  public List<RelayCounters> counters() {
    return loops.stream().map(EventLoop::counters).toList();
  }

  public int activeAllocations() {
    return quotas.active();
  }

  /** TCP and TLS client connections open now, over every loop. */
  public int openConnections() {
    return budget.total();
  }

  /** The event loops' threads (benchmarks read their CPU time and allocation). */
  public List<Thread> threads() {
    return List.copyOf(threads);
  }

  /** Stops every loop; each releases its sockets and allocations before its thread ends. */
  @Override
  public void close() throws InterruptedException {
    loops.forEach(EventLoop::stop);
    if (handshakeWorkers != null) {
      handshakeWorkers.shutdownNow();
    }
    for (Thread t : threads) {
      t.join(5000);
    }
    if (handshakeWorkers != null) {
      handshakeWorkers.awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
