package org.pqsip.relay.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.pqsip.relay.net.UdpTurnServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./pq relay}: the STUN/TURN relay. Prints one line when ready and nothing per call, at
 * any level; exits cleanly on SIGTERM. This first version serves UDP; TCP/TLS listeners, the
 * config file and metrics are not implemented yet and are refused with a clear message.
 */
@Command(name = "pq relay", mixinStandardHelpOptions = true, sortOptions = false,
    description = "STUN/TURN relay that forwards ciphertext and keeps no call metadata.")
public final class Relay implements Callable<Integer> {
  @Option(names = "--listen", required = true, paramLabel = "udp:HOST:PORT",
      description = "Where clients reach the relay (udp only in this version).")
  List<String> listen = new ArrayList<>();

  @Option(names = "--realm", required = true, description = "The realm of the long-term credentials.")
  String realm;

  @Option(names = "--auth-secret", required = true, paramLabel = "SECRET",
      description = "Shared secret for REST-style ephemeral credentials (coturn --use-auth-secret compatible).")
  String secret;

  @Option(names = "--relay-ip", paramLabel = "IP", description = "Address relayed ports bind to (default: the listen address).")
  String relayIp;

  @Option(names = "--relay-ports", defaultValue = "61000-61999", paramLabel = "LOW-HIGH",
      description = "Relayed port range; keep it outside the kernel's ephemeral range (default ${DEFAULT-VALUE}).")
  String relayPorts;

  @Option(names = "--allow-peer", paramLabel = "CIDR",
      description = "Allow peers in this range although the default policy denies it (e.g. 127.0.0.0/8 for tests).")
  List<String> allowPeers = new ArrayList<>();

  @Option(names = "--max-allocations", defaultValue = "10000", description = "Total allocations (default ${DEFAULT-VALUE}).")
  int maxAllocations;

  @Option(names = "--max-per-user", defaultValue = "10", description = "Allocations per username (default ${DEFAULT-VALUE}).")
  int maxPerUser;

  public static void main(String[] args) {
    int rc = new CommandLine(new Relay()).execute(args);
    if (rc != 0) {
      System.exit(rc);
    }
    // rc 0: the relay was stopped by a signal; the JVM is already shutting down.
  }

  @Override
  public Integer call() throws Exception {
    if (listen.size() != 1 || !listen.get(0).startsWith("udp:")) {
      System.err.println("pq relay: this version serves exactly one --listen udp:HOST:PORT (tcp/tls are not implemented yet)");
      return 2;
    }
    String[] l = listen.get(0).split(":");
    if (l.length != 3 || !l[1].matches("[0-9.]+")) {
      System.err.println("pq relay: --listen must look like udp:127.0.0.1:3478 (a literal IPv4 address)");
      return 2;
    }
    String[] range = relayPorts.split("-");
    InetAddress host = InetAddress.getByName(l[1]);
    InetAddress relay = relayIp == null ? host : InetAddress.getByName(relayIp);
    UdpTurnServer.Config cfg;
    try {
      cfg = new UdpTurnServer.Config(
          new InetSocketAddress(host, Integer.parseInt(l[2])), relay, Integer.parseInt(range[0]), Integer.parseInt(range[1]),
          realm, secret.getBytes(StandardCharsets.UTF_8), allowPeers, maxAllocations, maxPerUser);
    } catch (RuntimeException e) {
      System.err.println("pq relay: " + e.getMessage());
      return 2;
    }
    CountDownLatch stop = new CountDownLatch(1);
    try (UdpTurnServer server = UdpTurnServer.start(cfg)) {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          server.close(); // SIGTERM: release every socket and allocation before the JVM ends
        } catch (Exception e) {
          // exiting anyway
        }
        stop.countDown();
      }));
      System.out.println("relay ready udp:" + server.localAddress().getAddress().getHostAddress() + ":" + server.localAddress().getPort());
      System.out.flush();
      stop.await();
    } catch (IllegalArgumentException e) {
      System.err.println("pq relay: " + e.getMessage());
      return 2;
    }
    return 0;
  }
}
