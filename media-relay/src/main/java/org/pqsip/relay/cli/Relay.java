package org.pqsip.relay.cli;

import org.pqsip.stun.HostPort;
import java.io.IOException;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.pqsip.relay.metrics.RelayMetrics;
import org.pqsip.relay.net.RelayServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * {@code ./pq relay}: the STUN/TURN relay. Prints one line when ready and nothing per call, at
 * any level; exits cleanly on SIGTERM. Every option can also come from {@code --config FILE}
 * (a properties file whose keys are the option names without dashes); the command line wins.
 */
@Command(name = "pq relay", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"STUN/TURN relay that forwards ciphertext and keeps no call metadata.",
        "Nothing is logged per allocation or packet; nothing is written to disk."})
public final class Relay implements Callable<Integer> {
  @Option(names = "--listen", split = ",", paramLabel = "udp|tcp|tls:HOST:PORT",
      description = "Where clients reach the relay (udp, tcp or tls); repeatable. HOST is a literal IP ([::1] for IPv6).")
  List<String> listen = new ArrayList<>();

  @Option(names = "--realm", description = "The realm of the long-term credentials.")
  String realm;

  @Option(names = "--auth-secret", paramLabel = "SECRET",
      description = "Shared secret for REST-style ephemeral credentials (coturn --use-auth-secret compatible).")
  String secret;

  @Option(names = "--auth-secret-file", paramLabel = "FILE",
      description = "Read the shared secret from FILE (its first line) instead, so it stays out of the process list.")
  Path secretFile;

  @Option(names = "--relay-ip", paramLabel = "IP", description = "Address relayed ports bind to (default: the first listen address).")
  String relayIp;

  @Option(names = "--relay-ports", defaultValue = "61000-61999", paramLabel = "LOW-HIGH",
      description = "Relayed port range; keep it outside the kernel's ephemeral range (default ${DEFAULT-VALUE}).")
  String relayPorts;

  @Option(names = "--allow-peer", split = ",", paramLabel = "CIDR",
      description = "Allow peers in this range although the default policy denies it (e.g. 127.0.0.0/8 for tests); repeatable.")
  List<String> allowPeers = new ArrayList<>();

  @Option(names = "--threads", paramLabel = "N", description = "Event loops, one per core (default: the number of cores).")
  Integer threads;

  @Option(names = "--tls-handshake-threads", paramLabel = "N",
      description = "Threads for TLS handshakes' key exchange and signature, off the event loops so that a handshake "
          + "flood does not delay media (default: half the event loops, at least 1; 0 runs them on the event loops).")
  Integer tlsHandshakeThreads;

  @Option(names = "--udp-buffer", defaultValue = "4194304", paramLabel = "BYTES",
      description = "Receive and send buffer asked for each UDP listening socket (default ${DEFAULT-VALUE}: 4 MiB; the "
          + "kernel grants at most net.core.rmem_max / wmem_max; 0 keeps its default).")
  int udpBuffer;

  @Option(names = "--udp-io", defaultValue = "auto", paramLabel = "auto|batched|plain",
      description = "UDP client I/O: batched (recvmmsg/sendmmsg, Linux x86-64), plain (one system call per datagram), "
          + "or auto: batched where available (default ${DEFAULT-VALUE}).")
  String udpIo;

  @Option(names = "--max-allocations", defaultValue = "10000", description = "Total allocations (default ${DEFAULT-VALUE}).")
  int maxAllocations;

  @Option(names = "--max-per-user", defaultValue = "10", description = "Allocations per username (default ${DEFAULT-VALUE}).")
  int maxPerUser;

  @Option(names = "--unauth-rate", defaultValue = "50", paramLabel = "N",
      description = "Unauthenticated requests and new TCP/TLS connections per second per source address, burst 2N "
          + "(default ${DEFAULT-VALUE}).")
  int unauthRate;

  @Option(names = "--metrics", paramLabel = "HOST:PORT",
      description = "Serve aggregate Prometheus metrics at http://HOST:PORT/metrics (no addresses, no usernames).")
  String metrics;

  @Option(names = "--cert", paramLabel = "FILE", description = "TLS certificate chain (PEM) for tls: listeners.")
  Path cert;

  @Option(names = "--key", paramLabel = "FILE", description = "TLS private key (PKCS#8 PEM) for tls: listeners.")
  Path key;

  @Option(names = "--config", paramLabel = "FILE",
      description = "Read options from FILE: 'name = value' lines, names as above without dashes (see media-relay/dist/relay.conf).")
  Path config;

  public static void main(String[] args) {
    int rc = run(args);
    if (rc != 0) {
      System.exit(rc);
    }
    // rc 0: the relay was stopped by a signal; the JVM is already shutting down.
  }

  static int run(String[] args) {
    Relay relay = new Relay();
    CommandLine cmd = new CommandLine(relay);
    try {
      Path file = configArgument(args);
      if (file != null) {
        cmd.setDefaultValueProvider(new CommandLine.PropertiesDefaultProvider(load(file, cmd)));
      }
    } catch (IllegalArgumentException e) {
      System.err.println("pq relay: " + e.getMessage());
      return 2;
    }
    return cmd.execute(args);
  }

  private static Path configArgument(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        return Path.of(args[i + 1]);
      }
      if (args[i].startsWith("--config=")) {
        return Path.of(args[i].substring("--config=".length()));
      }
    }
    return null;
  }

  /** Loads the config file and refuses keys that name no option (a typo must not pass silently). */
  private static Properties load(Path file, CommandLine cmd) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage());
    }
    Set<String> known = cmd.getCommandSpec().options().stream()
        .map(OptionSpec::longestName).map(n -> n.replaceFirst("^-+", "")).collect(Collectors.toSet());
    for (String k : p.stringPropertyNames()) {
      if (!known.contains(k) || k.equals("config")) {
        throw new IllegalArgumentException("unknown setting '" + k + "' in " + file);
      }
    }
    return p;
  }

  @Override
  public Integer call() throws Exception {
    RelayServer.Config cfg;
    InetSocketAddress metricsAt;
    try {
      cfg = config();
      metricsAt = metrics == null ? null : HostPort.parse(metrics, "--metrics");
    } catch (IllegalArgumentException e) {
      System.err.println("pq relay: " + e.getMessage());
      return 2;
    }
    CountDownLatch stop = new CountDownLatch(1);
    RelayServer server;
    try {
      server = RelayServer.start(cfg);
    } catch (IllegalArgumentException e) {
      System.err.println("pq relay: " + e.getMessage());
      return 2;
    } catch (IOException e) {
      System.err.println("pq relay: cannot listen: " + e.getMessage());
      return 1;
    }
    RelayMetrics exporter = null;
    try {
      exporter = metricsAt == null ? null : RelayMetrics.serve(server, metricsAt);
    } catch (IOException e) {
      server.close();
      System.err.println("pq relay: cannot serve metrics: " + e.getMessage());
      return 1;
    }
    RelayMetrics m = exporter;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        if (m != null) {
          m.close();
        }
        server.close(); // SIGTERM: release every socket and allocation before the JVM ends
      } catch (Exception e) {
        // exiting anyway
      }
      stop.countDown();
    }));
    if (!RelayServer.selectorBoxingAvoided()) {
      System.err.println("pq relay: warning: start the JVM with -XX:AutoBoxCacheMax=65535, or the JDK's selector"
          + " allocates 16 bytes per packet wake-up on sockets above descriptor 127");
    }
    StringBuilder ready = new StringBuilder("relay ready");
    server.udpAddresses().forEach(a -> ready.append(" udp:").append(hostPort(a)));
    server.tcpAddresses().forEach(a -> ready.append(" tcp:").append(hostPort(a)));
    server.tlsAddresses().forEach(a -> ready.append(" tls:").append(hostPort(a)));
    if (exporter != null) {
      ready.append(" metrics:").append(hostPort(new InetSocketAddress(metricsAt.getAddress(), exporter.port())));
    }
    System.out.println(ready);
    System.out.flush();
    stop.await();
    return 0;
  }

  /** The command line's settings, as the OSGi component's .cfg file gives them too. */
  private RelayServer.Config config() throws IOException {
    return new RelaySettings(listen, realm, Optional.ofNullable(secret), Optional.ofNullable(secretFile),
        Optional.ofNullable(relayIp), relayPorts, allowPeers, Optional.ofNullable(threads),
        Optional.ofNullable(tlsHandshakeThreads), udpBuffer, udpIo, maxAllocations, maxPerUser, unauthRate,
        Optional.ofNullable(cert), Optional.ofNullable(key)).toConfig();
  }

  private static String hostPort(InetSocketAddress a) {
    String h = a.getAddress().getHostAddress();
    return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
  }
}
