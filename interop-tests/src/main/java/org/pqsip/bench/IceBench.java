package org.pqsip.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.pqsip.interop.ExternalProcess;
import org.pqsip.interop.NatCallLab;
import org.pqsip.interop.NatTopology;
import org.pqsip.interop.PhoneOutput;

/**
 * {@code ./pq bench ice [RUNS [SCENARIO]]} (root: it builds network namespaces and iptables NATs, and
 * deletes them): PQ calls between two phones behind NAT routers, per scenario RUNS calls
 * (default 5), printing medians of what the caller reports: {@code pathMs} (connectivity
 * checks started to the first path chosen: media goes out on it from then), {@code media A/B}
 * (each phone's {@code mediaMs}: its checks started to its first media packet received; the
 * callee starts checking when it answers, before the caller), {@code setupMs}
 * (INVITE sent to {@code established}, which waits for keys and the first path), the path chosen, and for the
 * mid-call cut the {@code gapMs} each phone reports when media moves to the relay, and how long
 * until both are back on P2P once the cut is lifted, and for a NAT moving to a new address the
 * time until the caller reports {@code path-restored} (two seconds of silence, the ICE restart
 * and its re-INVITE, new checks). Only scenarios whose name contains SCENARIO, if given.
 * Figures, not assertions.
 */
public final class IceBench {
  private IceBench() {}

  /** {@code udpBlockedAt}: hA's router drops all its UDP; {@code aRelay}: hA's extra {@code --relay}. */
  private record Scenario(String name, NatTopology.Mapping a, NatTopology.Mapping b, boolean blackhole, boolean cutMidCall,
      boolean udpBlocked, String aRelay, boolean natMoves) {
    Scenario(String name, NatTopology.Mapping a, NatTopology.Mapping b, boolean blackhole, boolean cutMidCall) {
      this(name, a, b, blackhole, cutMidCall, false, null, false);
    }

    Scenario(String name, boolean udpBlocked, String aRelay) {
      this(name, NatTopology.Mapping.ENDPOINT_INDEPENDENT, NatTopology.Mapping.ENDPOINT_INDEPENDENT, false, false, udpBlocked,
          aRelay, false);
    }
  }

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    if (runs < 1 || runs > 50) {
      throw new IllegalArgumentException("RUNS must be 1 to 50");
    }
    List<Scenario> scenarios = List.of(
        new Scenario("both NATs endpoint-independent", NatTopology.Mapping.ENDPOINT_INDEPENDENT,
            NatTopology.Mapping.ENDPOINT_INDEPENDENT, false, false),
        new Scenario("one NAT address-dependent", NatTopology.Mapping.ENDPOINT_INDEPENDENT,
            NatTopology.Mapping.ADDRESS_DEPENDENT, false, false),
        new Scenario("P2P UDP black-holed", NatTopology.Mapping.ENDPOINT_INDEPENDENT,
            NatTopology.Mapping.ENDPOINT_INDEPENDENT, true, false),
        new Scenario("P2P cut mid-call, then restored", NatTopology.Mapping.ENDPOINT_INDEPENDENT,
            NatTopology.Mapping.ENDPOINT_INDEPENDENT, false, true),
        new Scenario("UDP blocked at A: relay over TCP", true, NatCallLab.RELAY_TCP),
        new Scenario("UDP blocked at A: relay over TLS", true, NatCallLab.RELAY_TLS),
        new Scenario("A's NAT moves to a new address", NatTopology.Mapping.ENDPOINT_INDEPENDENT,
            NatTopology.Mapping.ENDPOINT_INDEPENDENT, false, false, false, null, true));
    System.out.printf("ICE bench: %d calls per scenario, medians%n", runs);
    System.out.printf("%-34s %-6s %8s %10s %10s %10s %10s %12s %12s %8s%n", "scenario", "path", "pathMs", "media A/B", "setupMs",
        "gapMs A", "gapMs B", "back on p2p", "restored", "failed");
    String only = args.length > 1 ? args[1] : "";
    for (Scenario s : scenarios) {
      if (!s.name().contains(only)) {
        continue;
      }
      Path dir = Files.createTempDirectory("pq-ice-bench");
      Figures f = new Figures();
      String path = "?";
      int failed = 0;
      try (NatCallLab lab = NatCallLab.start("pqb" + (ProcessHandle.current().pid() % 100000), s.a(), s.b(), dir)) {
        if (s.blackhole()) {
          lab.p2pUdp("-I");
        }
        if (s.udpBlocked()) {
          lab.udpFromLan("rA", "-I");
        }
        for (int i = 0; i < runs; i++) {
          try {
            path = run(lab, s, i, f);
          } catch (AssertionError e) {
            failed++; // counted, not hidden: the first line says what did not happen
            System.err.println("run " + (i + 1) + " of '" + s.name() + "': " + e.getMessage()); // with the phone's output
          }
        }
      }
      System.out.printf("%-34s %-6s %8s %10s %10s %10s %10s %12s %12s %8d%n", s.name(), path, median(f.pathMs),
          median(f.mediaMs) + "/" + median(f.mediaMsB), median(f.setup), median(f.gapA), median(f.gapB), median(f.back), median(f.restored), failed);
    }
  }

  /** One call of the scenario; returns the path the caller reported. Its phones are stopped either way. */
  /** What the runs of one scenario measured, in milliseconds. */
  private static final class Figures {
    final List<Double> pathMs = new ArrayList<>();
    final List<Double> mediaMs = new ArrayList<>();
    final List<Double> mediaMsB = new ArrayList<>();
    final List<Double> setup = new ArrayList<>();
    final List<Double> gapA = new ArrayList<>();
    final List<Double> gapB = new ArrayList<>();
    final List<Double> back = new ArrayList<>();
    final List<Double> restored = new ArrayList<>();
  }

  private static String run(NatCallLab lab, Scenario s, int run, Figures f) throws Exception {
    try (ExternalProcess b = lab.phone("hB", NatTopology.HOST_B, "--auto-answer", "--exit-after", "1")) {
      b.awaitLine("\"event\":\"registered\"", NatCallLab.T);
      List<String> args = new ArrayList<>(List.of("--call", "sip:hB@pq.test", "--duration",
          s.cutMidCall() || s.natMoves() ? "8s" : "1s"));
      if (s.aRelay() != null) {
        args.addAll(List.of("--relay", s.aRelay(), "--relay-ca", lab.relayCa().toString()));
      }
      try (ExternalProcess a = lab.phone("hA", NatTopology.HOST_A, args.toArray(String[]::new))) {
        String established = a.awaitLine("\"event\":\"established\"", NatCallLab.T);
        f.setup.add(number(established, "setupMs"));
        f.pathMs.add(number(established, "pathMs"));
        if (s.cutMidCall()) {
          a.await(o -> PhoneOutput.lastPacketsReceived(o) >= 100, NatCallLab.T, "2 s of audio");
          lab.p2pUdp("-I");
          try {
            f.gapA.add(number(a.awaitLine("\"to\":\"relay\"", NatCallLab.T), "gapMs"));
            f.gapB.add(number(b.awaitLine("\"to\":\"relay\"", NatCallLab.T), "gapMs"));
          } finally {
            lab.p2pUdp("-D");
          }
          long lifted = System.nanoTime();
          a.awaitLine("\"to\":\"p2p\"", NatCallLab.T);
          b.awaitLine("\"to\":\"p2p\"", NatCallLab.T);
          f.back.add((System.nanoTime() - lifted) / 1e6);
        }
        if (s.natMoves()) {
          a.await(o -> PhoneOutput.lastPacketsReceived(o) >= 100, NatCallLab.T, "2 s of audio");
          long moved = System.nanoTime();
          lab.moveUdpToNewAddress("rA", "203.0.113." + (20 + run)); // a fresh address per run
          a.awaitLine("\"event\":\"path-restored\"", NatCallLab.T);
          f.restored.add((System.nanoTime() - moved) / 1e6);
        }
        a.awaitLine("\"event\":\"ended\"", NatCallLab.T);
        b.awaitLine("\"event\":\"ended\"", NatCallLab.T);
        double media = PhoneOutput.lastMedia(a.output(), "mediaMs");
        if (media >= 0) {
          f.mediaMs.add(media);
        }
        double mediaB = PhoneOutput.lastMedia(b.output(), "mediaMs");
        if (mediaB >= 0) {
          f.mediaMsB.add(mediaB);
        }
        a.waitForExit(NatCallLab.T);
        b.waitForExit(NatCallLab.T);
        return PhoneOutput.text(established, "path");
      }
    }
  }

  private static double number(String line, String field) {
    double v = PhoneOutput.number(line, field);
    if (v < 0) {
      throw new IllegalStateException("no " + field + " in " + line);
    }
    return v;
  }

  private static String median(List<Double> values) {
    if (values.isEmpty()) {
      return "-";
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return String.format("%.0f", sorted.get(sorted.size() / 2));
  }
}
