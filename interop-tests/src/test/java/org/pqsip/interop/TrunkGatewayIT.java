package org.pqsip.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trunk gateway as a site runs it, end to end with real third-party parts: at each of two
 * sites (network namespaces, {@link TrunkTopology}) a baresip phone registered with the site's
 * kamailio, whose dial plan sends the other site's numbers to the site's gateway ({@code ./pq
 * gateway}, its own JVM). baresip at site A calls baresip at site B; a capture on the link
 * between the sites shows a pqkem offer and answer and only SRTP, and captures on each site's LAN
 * show the far phone's tone arriving in the plain RTP the local phone speaks.
 */
@Tag("external")
class TrunkGatewayIT {
  static final Duration T = Duration.ofSeconds(30);
  static final Pattern SAS = Pattern.compile("\"sas\":\"([^\"]+)\"");

  @TempDir Path dir;
  private TrunkTopology net;
  private final List<AutoCloseable> started = new ArrayList<>();

  @BeforeEach
  void topology() throws Exception {
    net = TrunkTopology.create("pqgw" + ProcessHandle.current().pid() % 100000);
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (int i = started.size() - 1; i >= 0; i--) {
      started.get(i).close(); // by handle: the processes this test started
    }
    net.close();
  }

  private ExternalProcess start(String name, List<String> cmd) throws Exception {
    ExternalProcess p = ExternalProcess.start(name, cmd);
    started.add(p);
    return p;
  }

  /** The site's PBX: its phones (localPrefix) registered here, remotePrefix to its gateway. */
  private ExternalProcess kamailio(String site, String ip, String localPrefix, String remotePrefix) throws Exception {
    Path d = Files.createDirectories(dir.resolve("kamailio-" + site));
    Path cfg = d.resolve("kamailio.cfg");
    Files.writeString(cfg, KamailioConfig.site(ip, 5060, localPrefix, remotePrefix, ip + ":5070"));
    return start("kamailio-" + site, net.in(site, "kamailio", "-DD", "-E", "-f", cfg.toString(), "-Y", d.toString(),
        "-w", d.toString()));
  }

  /** {@code ./pq gateway} of a site, in its namespace. */
  private ExternalProcess gateway(String site, String lan, String trunk, String farTrunk, String farPrefix,
      String localPrefix) throws Exception {
    String name = site.toLowerCase(java.util.Locale.ROOT);
    Path conf = dir.resolve("gateway-" + name + ".conf");
    Files.write(conf, List.of(
        "lan.sip = tcp:" + lan + ":5070",
        "lan.user = sip:gateway@site-" + name + ".test",
        "lan.policy = off",
        "lan.media = " + lan + ":42000-42999",
        "trunk.sip = tcp:" + trunk + ":5080",
        "trunk.user = sip:gateway@site-" + name + ".test",
        "trunk.media = " + trunk + ":43000-43999",
        "to-trunk = sip:" + farPrefix + "*@* -> sip:" + farTrunk + ":5080",
        "to-lan = sip:" + localPrefix + "*@* -> sip:" + lan + ":5060",
        "state-dir = " + dir.resolve("gateway-state-" + name)));
    ExternalProcess g = start("gateway-" + site, net.in(site,
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System.getProperty("java.class.path"),
        "org.pqsip.gateway.Gateway", "--config", conf.toString(), "--json"));
    g.awaitLine("pq gateway: ready", T);
    return g;
  }

  private ExternalProcess capture(String site, String iface, String filter, Path pcap) throws Exception {
    ExternalProcess p = start("tshark-" + site + "-" + iface, net.in(site, "tshark", "-i", iface, "-f", filter, "-w",
        pcap.toString()));
    p.awaitLine("Capturing on", T);
    return p;
  }

  /** The payloads of one protocol's packets in a capture ({@code tcp} or {@code udp}), in order. */
  private static List<byte[]> payloads(Path pcap, String proto) throws Exception {
    ExternalProcess read = ExternalProcess.start("tshark-read",
        List.of("tshark", "-r", pcap.toString(), "-T", "fields", "-e", proto + ".payload"));
    read.waitForExit(T);
    List<byte[]> out = new ArrayList<>();
    for (String line : read.output().split("\n")) {
      line = line.trim();
      if (!line.isEmpty() && line.matches("[0-9a-fA-F:]+")) {
        out.add(HexFormat.of().parseHex(line.replace(":", "")));
      }
    }
    return out;
  }

  /** How many payloads hold an 8-byte run of the PCMU-encoded tone at {@code hz}. */
  private static long withTone(List<byte[]> payloads, double hz) {
    Set<Long> windows = MediaCaptureIT.toneWindows(hz);
    return payloads.stream().filter(p -> {
      for (int i = 0; i + 8 <= p.length; i++) {
        if (windows.contains(MediaCaptureIT.window(p, i))) {
          return true;
        }
      }
      return false;
    }).count();
  }

  private static long count(String text, String needle) {
    return Pattern.compile(Pattern.quote(needle)).matcher(text).results().count();
  }

  /** Waits for a gateway's {@code media} event of leg {@code leg} with at least {@code n} packets sent to its peer. */
  private static void awaitForwarded(ExternalProcess gateway, String leg, long n) throws InterruptedException {
    Pattern p = Pattern.compile("\"event\":\"media\",\"call\":1,\"direction\":\"[a-z-]+\",\"leg\":\"" + leg
        + "\",\"packetsReceived\":\\d+,\"packetsSent\":(\\d+)");
    gateway.await(out -> {
      Matcher m = p.matcher(out);
      while (m.find()) {
        if (Long.parseLong(m.group(1)) >= n) {
          return true;
        }
      }
      return false;
    }, T, n + " packets sent on the " + leg + " leg");
  }

  @Test
  void plainPhonesAtTwoSitesCallThroughTwoGateways_pqkemAndOnlySrtpOnTheTrunk() throws Exception {
    Path trunkPcap = dir.resolve("trunk.pcap");
    Path lanAPcap = dir.resolve("lan-a.pcap");
    Path lanBPcap = dir.resolve("lan-b.pcap");
    ExternalProcess trunkCapture = capture("A", "trunk", "tcp port 5080 or udp", trunkPcap);
    // Each site's phone receives on 30000-30099; the gateway's LAN leg sends to it over lo.
    ExternalProcess lanACapture = capture("A", "lo", "udp dst portrange 30000-30099", lanAPcap);
    ExternalProcess lanBCapture = capture("B", "lo", "udp dst portrange 30000-30099", lanBPcap);
    Path lanSipPcap = dir.resolve("lan-a-sip.pcap");
    ExternalProcess lanSipCapture = capture("A", "lo", "tcp port 5070", lanSipPcap); // PBX A <-> gateway A
    ExternalProcess pbxA = kamailio("A", TrunkTopology.LAN_A, "1", "2");
    ExternalProcess pbxB = kamailio("B", TrunkTopology.LAN_B, "2", "1");
    ExternalProcess gwA = gateway("A", TrunkTopology.LAN_A, TrunkTopology.TRUNK_A, TrunkTopology.TRUNK_B, "2", "1");
    ExternalProcess gwB = gateway("B", TrunkTopology.LAN_B, TrunkTopology.TRUNK_B, TrunkTopology.TRUNK_A, "1", "2");
    Baresip phoneA = Baresip.startAtSite(dir.resolve("baresip-a"), net.in("A"), TrunkTopology.LAN_A, "1001@site-a.test",
        TrunkTopology.LAN_A + ":5060", 440, null);
    started.add(phoneA);
    Baresip phoneB = Baresip.startAtSite(dir.resolve("baresip-b"), net.in("B"), TrunkTopology.LAN_B, "2001@site-b.test",
        TrunkTopology.LAN_B + ":5060", 660, null);
    started.add(phoneB);
    pbxA.awaitLine(KamailioConfig.REGISTERED, T);
    pbxB.awaitLine(KamailioConfig.REGISTERED, T);

    phoneA.dial("sip:2001@site-a.test"); // the number of site B, dialled at site A's PBX

    String bridgedA = gwA.awaitLine("\"event\":\"bridged\"", T);
    String bridgedB = gwB.awaitLine("\"event\":\"bridged\"", T);
    assertThat(bridgedA).contains("\"direction\":\"to-trunk\"", "\"security\":\"pq\"", "\"kem\":\"mlkem1024-x25519\"");
    assertThat(bridgedB).contains("\"direction\":\"from-trunk\"", "\"security\":\"pq\"");
    Matcher sasA = SAS.matcher(bridgedA);
    Matcher sasB = SAS.matcher(bridgedB);
    assertThat(sasA.find() && sasB.find()).as("both gateways show a SAS").isTrue();
    assertThat(sasA.group(1)).as("the admins of both sites read the same SAS").isEqualTo(sasB.group(1));
    awaitForwarded(gwA, "lan", 150); // site B's audio reaching phone A
    awaitForwarded(gwB, "lan", 150); // site A's audio reaching phone B
    phoneA.hangup();
    gwA.awaitLine("\"event\":\"ended\"", T);
    gwB.awaitLine("\"event\":\"ended\"", T);
    trunkCapture.close();
    lanACapture.close();
    lanBCapture.close();
    lanSipCapture.close();

    String signalling = new String(payloads(trunkPcap, "tcp").stream()
        .collect(java.io.ByteArrayOutputStream::new, (o, b) -> o.write(b, 0, b.length), (x, y) -> { })
        .toByteArray(), StandardCharsets.ISO_8859_1);
    assertThat(count(signalling, "a=pqkem:")).as("the pqkem offer and answer crossed the trunk").isGreaterThanOrEqualTo(2);
    assertThat(signalling).as("no SDES key on the trunk").doesNotContain("a=crypto");
    assertThat(signalling).contains("RTP/SAVP").doesNotContain("203.0.113."); // nothing of the sites' LANs leaves
    List<byte[]> trunkMedia = payloads(trunkPcap, "udp");
    assertThat(trunkMedia.size()).as("media packets on the trunk").isGreaterThan(300);
    assertThat(withTone(trunkMedia, 440) + withTone(trunkMedia, 660)).as("no plaintext audio on the trunk").isZero();
    String lanSip = new String(payloads(lanSipPcap, "tcp").stream()
        .collect(java.io.ByteArrayOutputStream::new, (o, b) -> o.write(b, 0, b.length), (x, y) -> { })
        .toByteArray(), StandardCharsets.ISO_8859_1);
    assertThat(lanSip).as("the local phone's 200 OK names the trunk's security and SAS")
        .contains("X-PQ-Trunk: pq;kem=mlkem1024-x25519;sas=" + sasA.group(1) + ";verification=new-peer");
    assertThat(withTone(payloads(lanBPcap, "udp"), 440)).as("phone B receives phone A's 440 Hz").isGreaterThan(100);
    assertThat(withTone(payloads(lanAPcap, "udp"), 660)).as("phone A receives phone B's 660 Hz").isGreaterThan(100);
  }
}
