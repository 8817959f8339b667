package org.pqsip.gateway;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.pqsip.phone.JsonEvents;
import org.pqsip.sip.PhoneEvents;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./pq gateway}: the PQ trunk gateway between a site's PBX and the far sites' gateways. */
@Command(
    name = "pq gateway",
    mixinStandardHelpOptions = true,
    description = "A back-to-back SIP user agent: calls between sites leave this site keyed with ML-KEM-1024 + X25519"
        + " (pqkem) whatever the local phones speak (plain RTP or SDES towards them).",
    sortOptions = false)
public final class Gateway implements Callable<Integer> {
  @Option(names = "--config", required = true, paramLabel = "FILE",
      description = "The gateway's configuration (sides, routes; see sip-pq-plugin/dist/gateway.conf).")
  Path config;

  @Option(names = "--state-dir", paramLabel = "DIR", description = "Overrides the file's state-dir (remembered far gateways).")
  Path stateDir;

  @Option(names = "--metrics", paramLabel = "HOST:PORT",
      description = "Serve aggregate counts (calls now, placed, bridged, refused) in Prometheus format here.")
  String metrics;

  @Option(names = "--json", description = "One JSON event per line on standard output (bridged, refused, ended, verified).")
  boolean json;

  @Override
  public Integer call() throws Exception {
    GatewayConfig c;
    try {
      c = GatewaySettings.read(config, java.util.Optional.ofNullable(stateDir));
    } catch (IllegalArgumentException e) {
      System.err.println("pq gateway: " + config + ": " + e.getMessage());
      return 2;
    } catch (java.nio.file.NoSuchFileException e) {
      System.err.println("pq gateway: no such file: " + e.getMessage());
      return 2;
    } catch (java.io.IOException e) {
      System.err.println("pq gateway: cannot read " + config + " or its files: " + e.getMessage());
      return 2;
    }
    PhoneEvents events = json ? new JsonEvents(System.out) : (type, fields) -> { };
    java.net.InetSocketAddress metricsAt;
    try {
      metricsAt = metrics == null ? null : hostPort(metrics);
    } catch (IllegalArgumentException | java.net.UnknownHostException e) {
      System.err.println("pq gateway: --metrics must look like 127.0.0.1:9465");
      return 2;
    }
    TrunkGateway g;
    try {
      g = TrunkGateway.start(c, events);
    } catch (javax.sip.SipException | java.io.IOException e) {
      System.err.println("pq gateway: cannot start: " + e.getMessage());
      return 1;
    }
    GatewayMetrics served;
    try {
      served = metricsAt == null ? null : GatewayMetrics.serve(g, metricsAt);
    } catch (java.io.IOException e) {
      g.close();
      System.err.println("pq gateway: cannot serve metrics on " + metrics + ": " + e.getMessage());
      return 2;
    }
    java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (served != null) {
        served.close();
      }
      g.close(); // SIGTERM: calls end with BYE, ports and stores are released
      stopped.countDown();
    }));
    System.err.println("pq gateway: ready (" + c.toTrunk().size() + " routes to the trunk, " + c.toLan().size()
        + " to the site; trunk policy " + c.trunk().keying().policy().name().toLowerCase(java.util.Locale.ROOT) + ")");
    readCommands(g);
    stopped.await(); // a service has no standard input: it runs on after EOF until SIGTERM
    return 0;
  }

  private static java.net.InetSocketAddress hostPort(String text) throws java.net.UnknownHostException {
    int colon = text.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException(text);
    }
    return new java.net.InetSocketAddress(java.net.InetAddress.getByName(text.substring(0, colon)),
        Integer.parseInt(text.substring(colon + 1)));
  }

  /** Lines on standard input: {@code verify N} (the trunk SAS of gateway call N matched), {@code status}. */
  private static void readCommands(TrunkGateway g) throws java.io.IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      String[] w = line.strip().split("\\s+");
      if (w.length == 2 && w[0].equals("verify")) {
        try {
          if (!g.verifyTrunk(Integer.parseInt(w[1]))) {
            System.err.println("pq gateway: no call " + w[1]);
          }
        } catch (NumberFormatException e) {
          System.err.println("pq gateway: verify takes a call number");
        }
      } else if (w[0].equals("status")) {
        System.err.println("pq gateway: calls " + g.status().counts());
      } else if (!w[0].isEmpty()) {
        System.err.println("pq gateway: commands are 'verify N' and 'status'");
      }
    }
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Gateway()).execute(args));
  }
}
