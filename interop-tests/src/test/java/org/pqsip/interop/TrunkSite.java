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
import org.pqsip.sip.SipTls;

/**
 * One site of the trunk gateway tests, in one network namespace: its PBX (kamailio, whose dial
 * plan sends the other site's numbers to the gateway), its gateway ({@code ./pq gateway}, its own
 * JVM) and its phone (baresip, registered with the PBX). Closing it stops what it started, by
 * handle, last first. Also the capture helpers the tests read their evidence with.
 */
final class TrunkSite implements AutoCloseable {
  static final Duration T = Duration.ofSeconds(40);
  static final Pattern SAS = Pattern.compile("\"sas\":\"([^\"]+)\"");

  private final String name;
  private final List<String> in;
  private final String lan;
  private final Path dir;
  private final List<AutoCloseable> started = new ArrayList<>();

  /**
   * @param name "a" or "b"
   * @param in the command prefix that runs a program in the site's namespace
   * @param lan the address of the site's voice LAN (PBX, phone and the gateway's LAN side)
   */
  TrunkSite(String name, List<String> in, String lan, Path dir) {
    this.name = name;
    this.in = List.copyOf(in);
    this.lan = lan;
    this.dir = dir;
  }

  List<String> in(String... command) {
    List<String> cmd = new ArrayList<>(in);
    cmd.addAll(List.of(command));
    return cmd;
  }

  private ExternalProcess start(String what, List<String> cmd) throws Exception {
    ExternalProcess p = ExternalProcess.start(what + "-" + name, cmd);
    started.add(p);
    return p;
  }

  /** The site's PBX: its phones (localPrefix) register here, remotePrefix goes to the gateway; TLS only with {@code tls}. */
  ExternalProcess pbx(String localPrefix, String remotePrefix, SipTls tls) throws Exception {
    Path d = Files.createDirectories(dir.resolve("kamailio-" + name));
    Path cfg = d.resolve("kamailio.cfg");
    Files.writeString(cfg, tls == null
        ? KamailioConfig.site(lan, 5060, localPrefix, remotePrefix, lan + ":5070")
        : KamailioConfig.siteTls(lan, 5061, localPrefix, remotePrefix, lan + ":5071", KamailioConfig.tlsModuleConfig(d, tls)));
    return start("kamailio", in("kamailio", "-DD", "-E", "-f", cfg.toString(), "-Y", d.toString(), "-w", d.toString()));
  }

  /**
   * {@code ./pq gateway}: LAN side plain (policy off) or, with {@code tls}, SDES over TLS (policy
   * prefer), as the site's phones speak; calls for {@code localPrefix} go to the PBX; the trunk
   * side and {@code to-trunk} routes are {@code trunk}'s lines.
   */
  ExternalProcess gateway(String localPrefix, SipTls tls, List<String> trunk) throws Exception {
    List<String> lines = new ArrayList<>(tls == null
        ? List.of("lan.sip = tcp:" + lan + ":5070", "lan.policy = off", "to-lan = sip:" + localPrefix + "*@* -> sip:" + lan + ":5060")
        : List.of("lan.sip = tls:" + lan + ":5071", "lan.policy = prefer", "lan.sdes = true",
            "lan.tls-cert = " + tls.certificate(), "lan.tls-key = " + tls.privateKey(), "lan.tls-ca = " + tls.certificate(),
            "to-lan = sip:" + localPrefix + "*@* -> sip:" + lan + ":5061;transport=tls"));
    lines.addAll(List.of("lan.user = sip:gateway@site-" + name + ".test", "lan.media = " + lan + ":42000-42999",
        "state-dir = " + dir.resolve("gateway-state-" + name)));
    lines.addAll(trunk);
    Path conf = dir.resolve("gateway-" + name + ".conf");
    Files.write(conf, lines);
    ExternalProcess g = start("gateway", in(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "org.pqsip.gateway.Gateway", "--config", conf.toString(), "--json"));
    g.awaitLine("pq gateway: ready", T);
    return g;
  }

  /** baresip as {@code user}, registered with the PBX, sending a {@code hz} tone; SDES over TLS with {@code tls}. */
  Baresip phone(String user, double hz, SipTls tls) throws Exception {
    Baresip b = Baresip.startAtSite(dir.resolve("baresip-" + name), in, lan, user, lan + (tls == null ? ":5060" : ":5061"),
        hz, tls == null ? null : "srtp-mand", tls);
    started.add(b);
    return b;
  }

  /** tshark on {@code iface} in the site's namespace, writing {@code pcap}. */
  ExternalProcess capture(String iface, String filter, Path pcap) throws Exception {
    ExternalProcess p = start("tshark-" + iface, in("tshark", "-i", iface, "-f", filter, "-w", pcap.toString()));
    p.awaitLine("Capturing on", T);
    return p;
  }

  @Override
  public void close() throws Exception {
    for (int i = started.size() - 1; i >= 0; i--) {
      started.get(i).close();
    }
    started.clear();
  }

  // ------------------------------------------------------------------ reading the evidence

  /** The payloads of one protocol's packets in a capture ({@code tcp} or {@code udp}), in order. */
  static List<byte[]> payloads(Path pcap, String proto) throws Exception {
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

  /** A capture's TCP payloads as one text (SIP over TCP). */
  static String text(Path pcap) throws Exception {
    return new String(payloads(pcap, "tcp").stream()
        .collect(java.io.ByteArrayOutputStream::new, (o, b) -> o.write(b, 0, b.length), (x, y) -> { })
        .toByteArray(), StandardCharsets.ISO_8859_1);
  }

  /** How many payloads hold an 8-byte run of the PCMU-encoded tone at {@code hz}. */
  static long withTone(List<byte[]> payloads, double hz) {
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

  static long count(String text, String needle) {
    return Pattern.compile(Pattern.quote(needle)).matcher(text).results().count();
  }

  /** The same SAS in both gateways' {@code bridged} events; returns it. */
  static String sameSas(String bridgedA, String bridgedB) {
    Matcher a = SAS.matcher(bridgedA);
    Matcher b = SAS.matcher(bridgedB);
    assertThat(a.find() && b.find()).as("both gateways show a SAS").isTrue();
    assertThat(a.group(1)).as("the admins of both sites read the same SAS").isEqualTo(b.group(1));
    return a.group(1);
  }

  /** Waits for a gateway's {@code media} event of leg {@code leg} with at least {@code n} packets sent to its peer. */
  static void awaitForwarded(ExternalProcess gateway, String leg, long n) throws InterruptedException {
    awaitForwarded(gateway, 1, leg, n);
  }

  /** As above, for the gateway's call number {@code call}. */
  static void awaitForwarded(ExternalProcess gateway, int call, String leg, long n) throws InterruptedException {
    Pattern p = Pattern.compile("\"event\":\"media\",\"call\":" + call + ",\"direction\":\"[a-z-]+\",\"leg\":\"" + leg
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

  /** A capture of the link between the sites: a pqkem call and nothing else (no SDES key, no LAN address, no audio). */
  static void assertOnlyPqkem(Path trunk, String lanAddresses) throws Exception {
    String signalling = text(trunk);
    assertThat(count(signalling, "a=pqkem:")).as("the pqkem offer and answer crossed the trunk").isGreaterThanOrEqualTo(2);
    assertThat(signalling).as("no SDES key on the trunk").doesNotContain("a=crypto");
    assertThat(signalling).contains("RTP/SAVP").doesNotContain(lanAddresses); // nothing of the sites' LANs leaves
    List<byte[]> media = payloads(trunk, "udp");
    assertThat(media.size()).as("media packets on the trunk").isGreaterThan(300);
    assertThat(withTone(media, 440) + withTone(media, 660)).as("no plaintext audio on the trunk").isZero();
  }

  /** The gateway's whole output names no address, number or user (privacy: no per-call detail). */
  static void assertNothingPersonal(ExternalProcess gateway, String... addresses) {
    assertThat(gateway.output()).as("the gateway's whole output").doesNotContain(addresses)
        .doesNotContain("1001", "2001", "site-a", "site-b");
  }
}
