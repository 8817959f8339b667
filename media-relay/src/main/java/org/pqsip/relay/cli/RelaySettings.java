package org.pqsip.relay.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.pqsip.relay.net.RelayServer;
import org.pqsip.stun.HostPort;
import org.pqsip.relay.net.TlsContexts;

/**
 * The relay's settings as an operator writes them: on the command line and in its config file
 * ({@code ./pq relay}), or in {@code etc/org.pqsip.relay.cfg} (the OSGi component). One parser and
 * one set of messages for both; {@link #toConfig} checks everything and builds the server's
 * {@link RelayServer.Config}. Messages name the command-line options.
 */
public record RelaySettings(
    List<String> listen,
    String realm,
    Optional<String> secret,
    Optional<Path> secretFile,
    Optional<String> relayIp,
    String relayPorts,
    List<String> allowPeers,
    Optional<Integer> threads,
    Optional<Integer> tlsHandshakeThreads,
    int udpBuffer,
    String udpIo,
    int maxAllocations,
    int maxPerUser,
    int unauthRate,
    Optional<Path> cert,
    Optional<Path> key) {

  public RelaySettings {
    listen = List.copyOf(listen);
    allowPeers = List.copyOf(allowPeers);
    Objects.requireNonNull(relayPorts, "--relay-ports");
    Objects.requireNonNull(udpIo, "--udp-io");
  }

  public RelayServer.Config toConfig() throws IOException {
    if (listen.isEmpty()) {
      throw new IllegalArgumentException("--listen udp:HOST:PORT is required (e.g. --listen udp:127.0.0.1:3478)");
    }
    if (realm == null || realm.isBlank()) {
      throw new IllegalArgumentException("--realm is required");
    }
    if (secret.isPresent() == secretFile.isPresent()) {
      throw new IllegalArgumentException("give exactly one of --auth-secret and --auth-secret-file");
    }
    String s = secret.orElse("");
    if (secretFile.isPresent()) {
      List<String> lines = Files.readAllLines(secretFile.get(), StandardCharsets.UTF_8);
      s = lines.isEmpty() ? "" : lines.get(0).trim();
    }
    List<InetSocketAddress> udp = new ArrayList<>();
    List<InetSocketAddress> tcp = new ArrayList<>();
    List<InetSocketAddress> tls = new ArrayList<>();
    for (String l : listen) {
      Listen parsed = Listen.parse(l);
      switch (parsed.transport()) {
        case "udp" -> udp.add(parsed.address());
        case "tcp" -> tcp.add(parsed.address());
        default -> tls.add(parsed.address());
      }
    }
    SSLContext tlsContext = null;
    if (!tls.isEmpty()) {
      if (cert.isEmpty() || key.isEmpty()) {
        throw new IllegalArgumentException("tls: listeners need --cert FILE and --key FILE (PEM)");
      }
      tlsContext = TlsContexts.fromPem(cert.get(), key.get());
    }
    String[] range = relayPorts.split("-");
    if (range.length != 2 || !range[0].matches("\\d{1,5}") || !range[1].matches("\\d{1,5}")) {
      throw new IllegalArgumentException("--relay-ports must look like 61000-61999");
    }
    List<InetSocketAddress> first = !udp.isEmpty() ? udp : !tcp.isEmpty() ? tcp : tls;
    InetAddress relay = relayIp.isEmpty() ? first.get(0).getAddress() : HostPort.literal(relayIp.get(), "--relay-ip");
    if (relay.isAnyLocalAddress()) {
      throw new IllegalArgumentException("--relay-ip must be a concrete address when listening on a wildcard");
    }
    int n = threads.orElse(Runtime.getRuntime().availableProcessors());
    boolean batched = switch (udpIo) {
      case "auto" -> RelayServer.batchedUdpAvailable();
      case "plain" -> false;
      case "batched" -> {
        if (!RelayServer.batchedUdpAvailable()) {
          throw new IllegalArgumentException("--udp-io batched: batched UDP system calls are not available on this platform");
        }
        yield true;
      }
      default -> throw new IllegalArgumentException("--udp-io must be auto, batched or plain");
    };
    return new RelayServer.Config(udp, tcp, tls, tlsContext, relay, Integer.parseInt(range[0]), Integer.parseInt(range[1]), realm,
        s.getBytes(StandardCharsets.UTF_8), allowPeers, maxAllocations, maxPerUser, n, unauthRate, batched,
        tlsHandshakeThreads.orElse(RelayServer.Config.defaultTlsWorkers(n)), udpBuffer);
  }
}
