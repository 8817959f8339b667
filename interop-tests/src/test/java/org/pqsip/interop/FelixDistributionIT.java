package org.pqsip.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Felix distribution as a PBX admin gets it: the {@code .tar.gz} unpacked and started in its
 * own JVM, configured through {@code etc/org.pqsip.phone.cfg}, operated through the Gogo shell,
 * calling and called by {@code ./pq phone} (the same main class, in its own JVM).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FelixDistributionIT {
  private static final Duration T = Duration.ofSeconds(30);
  private static final int FELIX_SIP = 25470;
  private static final int FELIX_SIP_MOVED = 25472;
  private static final int PHONE_SIP = 25474;
  private static final Pattern SAS = Pattern.compile("\"sas\":\"([^\"]+)\"");

  private Path dir;
  private FelixShell felix;
  private final List<ExternalProcess> phones = new ArrayList<>();

  @BeforeAll
  void startTheDistribution(@TempDir Path tmp) throws Exception {
    dir = tmp;
    Path tar = Path.of(System.getProperty("pq.felix.tar", "../osgi-bundles/distribution/target/pq-felix-0.1.0-SNAPSHOT.tar.gz"));
    felix = FelixShell.start(tar, dir, home -> writeCfg(home, FELIX_SIP, "42500-42599", "require"));
    felix.felix.awaitLine("pq phone started", T);
    // The phone component may start before the framework has started the bundles after it:
    // the framework's own bundle turns Active only once every bundle's start was tried.
    felix.runUntil("lb System", o -> o.contains("System Bundle") && o.contains("|Active"), "the framework Active");
  }

  @AfterAll
  void stopEverything() throws InterruptedException {
    for (ExternalProcess p : phones) {
      p.close();
    }
    felix.close();
  }

  private void writeCfg(Path home, int sipPort, String mediaPorts, String policy, String... extra) throws IOException {
    Path cfg = home.resolve("etc/org.pqsip.phone.cfg");
    Path tmp = home.resolve("phone.cfg.tmp");
    Files.writeString(tmp, String.join("\n",
        "sip=tcp:127.0.0.1:" + sipPort,
        "user=sip:pbx@site-a.pq.test",
        "policy=" + policy,
        "autoAnswer=true",
        "media=127.0.0.1:" + mediaPorts,
        "stateDir=" + dir.resolve("felix-phone-state"),
        String.join("\n", extra),
        ""));
    Files.move(tmp, cfg, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private ExternalProcess phone(String name, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "org.pqsip.phone.Phone",
        "--state-dir", dir.resolve(name + "-state").toString(), "--json", "--user", "sip:" + name + "@pq.test"));
    cmd.addAll(List.of(args));
    ExternalProcess p = ExternalProcess.start("pq-phone-" + name, cmd);
    phones.add(p);
    return p;
  }

  private static String sas(String events, String event) {
    String line = events.lines().filter(l -> l.contains("\"event\":\"" + event + "\"")).findFirst().orElseThrow();
    Matcher m = SAS.matcher(line);
    assertThat(m.find()).as("a SAS in " + line).isTrue();
    return m.group(1);
  }

  @Test
  @Order(1)
  void everyBundleIsActive_everyComponentSatisfied_oneBouncyCastle() throws Exception {
    String lb = felix.run("lb");
    List<String> rows = lb.lines().filter(l -> l.matches("\\s*\\d+\\|.*")).toList();
    assertThat(rows).hasSizeGreaterThan(25).allMatch(r -> r.contains("|Active"), "Active");
    assertThat(lb).contains("PQ SIP plugin", "PQ shell commands", "JAIN-SIP", "kotlin-osgi-bundle", "ice4j",
        "Declarative Services", "Configuration Admin", "File Install", "Gogo");
    assertThat(rows.stream().filter(r -> r.contains("bcprov"))).hasSize(1);
    String scr = felix.run("scr:list");
    assertThat(scr).contains("org.pqsip.osgi.PhoneComponent", "org.pqsip.shell.PqShellCommands")
        .doesNotContain("UNSATISFIED", "FAILED");
    assertThat(scr).containsPattern("PhoneComponent in bundle .*\\n\\s*Id: \\d+, State:ACTIVE");
  }

  @Test
  @Order(2)
  void statusShowsVersionsAndPolicy_badArgumentsGetOneLine() throws Exception {
    assertThat(felix.run("pq:status")).contains("protocol   pqkem/1 mlkem1024-x25519", "policy     require",
        "sip        udp+tcp, registration off", "relay      none", "calls      0");
    assertThat(felix.run("pq:calls")).isEqualTo("no calls");
    assertThat(felix.run("pq:peers")).isEqualTo("no peers remembered");
    assertThat(felix.run("pq:hangup x")).isEqualTo("pq:hangup: not a call id: x (pq:calls lists them)");
    assertThat(felix.run("pq:hangup 42")).isEqualTo("pq:hangup: no such call: 42");
    assertThat(felix.run("pq:call bob")).isEqualTo("pq:call: not a SIP URI: give one like sip:bob@example.org");
    assertThat(felix.run("pq:sas-confirm")).isEqualTo("pq:sas-confirm: no calls");
    assertThat(felix.run("pq:gateway")).startsWith("pq:gateway: no trunk gateway runs here");
  }

  @Test
  @Order(3)
  void felixCallsPqPhone_bothShowTheSameSas_thenTheAdminVerifiesAndHangsUp() throws Exception {
    ExternalProcess bob = phone("bob", "--sip", "tcp:127.0.0.1:" + PHONE_SIP, "--auto-answer",
        "--media", "127.0.0.1:42600-42699");
    bob.awaitLine("\"event\":\"ready\"", T);
    assertThat(felix.run("pq:call sip:bob@127.0.0.1:" + PHONE_SIP)).startsWith("calling: call ");
    String events = bob.awaitLine("\"event\":\"established\"", T);
    assertThat(events).contains("\"security\":\"pq\"");
    String sas = sas(events, "established");

    String calls = felix.runUntil("pq:calls", "established");
    assertThat(calls).contains(sas, " pq ", "mlkem1024-x25519", "caller");

    assertThat(felix.run("pq:sas-confirm")).contains("SAS confirmed");
    felix.runUntil("pq:calls", "verified");
    String peers = felix.run("pq:peers");
    assertThat(peers).contains("verified");
    String device = peers.lines().filter(l -> l.contains("verified")).findFirst().orElseThrow().split("\\s+")[0];

    assertThat(felix.run("pq:hangup")).startsWith("hung up call ");
    bob.awaitLine("\"event\":\"ended\"", T);
    felix.runUntil("pq:calls", "no calls");

    assertThat(felix.run("pq:peers forget not/a/device")).startsWith("pq:peers: not a device id");
    assertThat(felix.run("pq:peers forget " + device)).startsWith("forgot " + device);
    assertThat(felix.run("pq:peers")).doesNotContain(device);
  }

  @Test
  @Order(4)
  void pqPhoneCallsFelix_whichAnswers_andTheSasMatches() throws Exception {
    ExternalProcess carol = phone("carol", "--sip", "tcp:127.0.0.1:" + (PHONE_SIP + 2),
        "--media", "127.0.0.1:42600-42699", "--call", "sip:pbx@127.0.0.1:" + FELIX_SIP);
    String events = carol.awaitLine("\"event\":\"established\"", T);
    assertThat(events).contains("\"security\":\"pq\"");
    String calls = felix.runUntil("pq:calls", "established");
    assertThat(calls).contains(sas(events, "established"), "callee");
    carol.send("hangup");
    carol.awaitLine("\"event\":\"ended\"", T);
    assertThat(carol.waitForExit(T)).isZero();
    felix.runUntil("pq:calls", "no calls");
  }

  /**
   * ICE inside OSGi: ice4j reads its reference.conf through the thread's context class loader,
   * which in a framework is not its own unless we make it so.
   */
  @Test
  @Order(5)
  void withARelayConfigured_felixReachesIt_andAnIceCallWorks() throws Exception {
    byte[] secret = "felix-relay-secret".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    Path secretFile = dir.resolve("relay.secret");
    Files.write(secretFile, secret);
    InetAddress lo = InetAddress.getLoopbackAddress();
    org.pqsip.relay.net.RelayServer.Config cfg = new org.pqsip.relay.net.RelayServer.Config(
        List.of(new InetSocketAddress(lo, 0)), List.of(), List.of(), null, lo, 61800, 61899, "pq.test", secret,
        List.of("127.0.0.0/8"), 100, 10, 1, 100, false);
    try (org.pqsip.relay.net.RelayServer relay = org.pqsip.relay.net.RelayServer.start(cfg)) {
      String turn = "turn:127.0.0.1:" + relay.udpAddresses().get(0).getPort();
      int restarts = count(felix.felix.output(), "restarted with new network settings");
      writeCfg(felix.home, FELIX_SIP, "42500-42599", "require", "relays=" + turn, "relaySecretFile=" + secretFile);
      felix.felix.await(o -> count(o, "restarted with new network settings") > restarts, T, "a restart");
      assertThat(felix.run("pq:status")).contains("relay      answered");

      ExternalProcess dave = phone("dave", "--sip", "tcp:127.0.0.1:" + (PHONE_SIP + 4), "--auto-answer",
          "--media", "127.0.0.1:42800-42899", "--relay", turn, "--relay-secret-file", secretFile.toString());
      dave.awaitLine("\"event\":\"ready\"", T);
      felix.run("pq:call sip:dave@127.0.0.1:" + (PHONE_SIP + 4));
      String events = dave.awaitLine("\"event\":\"established\"", T);
      assertThat(events).contains("\"security\":\"pq\"");
      String calls = felix.runUntil("pq:calls", "established");
      assertThat(calls).contains(sas(events, "established"));
      assertThat(relay.activeAllocations()).as("both phones hold a relayed candidate").isEqualTo(2);
      assertThat(felix.run("pq:hangup")).startsWith("hung up call ");
      dave.awaitLine("\"event\":\"ended\"", T);
      felix.runUntil("pq:calls", "no calls");
      writeCfg(felix.home, FELIX_SIP, "42500-42599", "require");
      felix.felix.await(o -> count(o, "restarted with new network settings") > restarts + 1, T, "a restart");
    }
  }

  @Test
  @Order(6)
  void editingTheCfg_reconfiguresLiveOrRestarts_andLeaksNoSocketOrThread() throws Exception {
    int live = count(felix.felix.output(), "reconfigured live");
    writeCfg(felix.home, FELIX_SIP, "42500-42599", "prefer");
    felix.felix.await(o -> count(o, "reconfigured live") > live, T, "a live reconfiguration");
    assertThat(felix.run("pq:status")).contains("policy     prefer");

    // Network settings restart the phone: the old port is free again, the new one answers, and
    // after four restarts the process holds no more sockets or threads than before them.
    long pid = felix.felix.pid();
    long socketsBefore = sockets(pid);
    long threadsBefore = threads(pid);
    int[] ports = {FELIX_SIP_MOVED, FELIX_SIP, FELIX_SIP_MOVED, FELIX_SIP};
    for (int i = 0; i < ports.length; i++) {
      int restarts = count(felix.felix.output(), "restarted with new network settings");
      writeCfg(felix.home, ports[i], i % 2 == 0 ? "42700-42799" : "42500-42599", "prefer");
      felix.felix.await(o -> count(o, "restarted with new network settings") > restarts, T, "a restart");
      int old = ports[i] == FELIX_SIP ? FELIX_SIP_MOVED : FELIX_SIP;
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), ports[i]), 2000);
      }
      try (ServerSocket tcp = new ServerSocket(old, 1, InetAddress.getLoopbackAddress());
          DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), old))) {
        assertThat(tcp.isBound() && udp.isBound()).as("port " + old + " released").isTrue();
      }
    }
    long deadline = System.nanoTime() + T.toNanos();
    long socketsAfter = sockets(pid);
    long threadsAfter = threads(pid);
    while ((socketsAfter > socketsBefore || threadsAfter > threadsBefore) && System.nanoTime() < deadline) {
      synchronized (this) {
        wait(200); // the old stacks' threads end within their 1 s poll: re-read until then
      }
      socketsAfter = sockets(pid);
      threadsAfter = threads(pid);
    }
    System.out.printf("felix before/after four restarts: sockets %d/%d, threads %d/%d (JIT compiler threads not counted)%n",
        socketsBefore, socketsAfter, threadsBefore, threadsAfter);
    assertThat(socketsAfter).as("sockets after four restarts").isLessThanOrEqualTo(socketsBefore);
    assertThat(threadsAfter).as("threads after four restarts").isLessThanOrEqualTo(threadsBefore);
    assertThat(felix.run("pq:status")).contains("policy     prefer");

    // A value the phone refuses changes nothing: the running phone keeps its settings.
    int refused = count(felix.felix.output(), "configuration not applied");
    writeCfg(felix.home, FELIX_SIP, "42500-42599", "maybe");
    felix.felix.await(o -> count(o, "configuration not applied") > refused, T, "the refusal");
    assertThat(felix.run("pq:status")).contains("policy     prefer");
    writeCfg(felix.home, FELIX_SIP, "42500-42599", "require");
    felix.runUntil("pq:status", "policy     require");
  }

  /** The optional relay component: runs while etc/org.pqsip.relay.cfg exists, answers STUN, and goes with it. */
  @Test
  @Order(7)
  void aRelayCfgStartsTheRelayComponent_andRemovingItReleasesItsPort() throws Exception {
    int port = 25490;
    Path secret = dir.resolve("component-relay.secret");
    Files.writeString(secret, "component-relay-secret\n");
    Path cfg = felix.home.resolve("etc/org.pqsip.relay.cfg");
    Path tmp = felix.home.resolve("relay.cfg.tmp");
    Files.writeString(tmp, String.join("\n", "listen=udp:127.0.0.1:" + port, "realm=pq.test",
        "authSecretFile=" + secret, "relayPorts=61900-61999", "threads=1", ""));
    Files.move(tmp, cfg, StandardCopyOption.ATOMIC_MOVE);
    felix.felix.awaitLine("pq relay started", T);
    assertThat(felix.run("scr:list")).containsPattern("RelayComponent in bundle .*\\n\\s*Id: \\d+, State:ACTIVE");

    byte[] request = new byte[20];
    request[1] = 0x01; // Binding request, no attributes
    java.nio.ByteBuffer.wrap(request, 4, 4).putInt(0x2112A442);
    for (int i = 8; i < 20; i++) {
      request[i] = (byte) i;
    }
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      s.setSoTimeout((int) T.toMillis());
      s.send(new java.net.DatagramPacket(request, 20, new InetSocketAddress(InetAddress.getLoopbackAddress(), port)));
      java.net.DatagramPacket answer = new java.net.DatagramPacket(new byte[512], 512);
      s.receive(answer);
      assertThat(answer.getData()[0]).as("Binding success response").isEqualTo((byte) 0x01);
      assertThat(answer.getData()[1]).isEqualTo((byte) 0x01);
      assertThat(java.util.Arrays.copyOfRange(answer.getData(), 8, 20)).isEqualTo(java.util.Arrays.copyOfRange(request, 8, 20));
    }

    Files.delete(cfg);
    felix.felix.awaitLine("pq relay stopped", T);
    try (DatagramSocket again = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
      assertThat(again.isBound()).as("the relay's port released").isTrue();
    }
  }

  /**
   * The optional trunk gateway component, from etc/org.pqsip.gateway.cfg naming the gateway's
   * file: a plain phone (policy off) calls through it to a PQ phone standing in for the far site;
   * the trunk leg is pqkem, the plain phone hears the far tone, pq:gateway shows the trunk's SAS
   * and verify remembers the far side; removing the .cfg stops it and frees its ports.
   */
  @Test
  @Order(8)
  void aGatewayCfgStartsTheTrunkGateway_aPlainPhoneGetsAPqTrunkThroughIt() throws Exception {
    int lan = 25480;
    int trunk = 25482;
    int far = 25484;
    ExternalProcess farSite = phone("far", "--sip", "tcp:127.0.0.1:" + far, "--auto-answer", "--tone", "660",
        "--media", "127.0.0.1:43100-43199");
    farSite.awaitLine("\"event\":\"ready\"", T);
    Path conf = dir.resolve("gateway.conf");
    Files.write(conf, List.of(
        "lan.sip = tcp:127.0.0.1:" + lan, "lan.user = sip:gateway@site-a.pq.test", "lan.policy = off",
        "lan.media = 127.0.0.1:43200-43299",
        "trunk.sip = tcp:127.0.0.1:" + trunk, "trunk.user = sip:gateway@site-a.pq.test",
        "trunk.media = 127.0.0.1:43300-43399",
        "to-trunk = sip:far@* -> sip:127.0.0.1:" + far));
    Path cfg = felix.home.resolve("etc/org.pqsip.gateway.cfg");
    Path tmp = felix.home.resolve("gateway.cfg.tmp");
    Files.writeString(tmp, "file=" + conf + "\nstateDir=" + dir.resolve("felix-gateway-state") + "\n");
    Files.move(tmp, cfg, StandardCopyOption.ATOMIC_MOVE);
    felix.felix.awaitLine("pq gateway started", T);
    assertThat(felix.run("pq:gateway")).startsWith("policy     trunk require, lan off\ncalls      0 now;");

    ExternalProcess plain = phone("plain", "--sip", "tcp:127.0.0.1:25486", "--policy", "off",
        "--media", "127.0.0.1:43400-43499", "--call", "sip:far@127.0.0.1:" + lan, "--duration", "4s");
    String farEvents = farSite.awaitLine("\"event\":\"established\"", T);
    assertThat(farEvents).contains("\"security\":\"pq\"");
    String sas = sas(farEvents, "established");
    String listed = felix.runUntil("pq:gateway", sas);
    assertThat(listed).containsPattern("1\\s+to-trunk\\s+pq\\s+" + sas + "\\s+new-peer");
    assertThat(felix.run("pq:gateway verify 1")).contains("trunk SAS confirmed");
    String ended = plain.awaitLine("\"event\":\"ended\"", T);
    assertThat(ended).contains("\"security\":\"none\"");
    Matcher received = Pattern.compile("\"packetsReceived\":(\\d+)").matcher(ended);
    long most = 0;
    while (received.find()) {
      most = Math.max(most, Long.parseLong(received.group(1)));
    }
    assertThat(most).as("the plain phone hears the far site through the gateway").isGreaterThan(50);
    felix.runUntil("pq:gateway", "1 bridged");

    Files.delete(cfg);
    felix.felix.awaitLine("pq gateway stopped", T);
    try (ServerSocket again = new ServerSocket(lan, 1, InetAddress.getLoopbackAddress())) {
      assertThat(again.isBound()).as("the gateway's LAN port released").isTrue();
    }
  }

  @Test
  @Order(9)
  void aBundleDroppedIntoDeploy_isInstalledAndStarted_andGoesWhenRemoved() throws Exception {
    Manifest mf = new Manifest();
    Attributes a = mf.getMainAttributes();
    a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
    a.putValue("Bundle-ManifestVersion", "2");
    a.putValue("Bundle-SymbolicName", "org.pqsip.test.hotdeploy");
    a.putValue("Bundle-Version", "1.0.0");
    a.putValue("Bundle-Name", "hot deploy probe");
    Path jar = dir.resolve("probe.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), mf)) {
      out.closeEntry();
    }
    Path deployed = felix.home.resolve("deploy/probe.jar");
    Files.move(jar, deployed, StandardCopyOption.ATOMIC_MOVE);
    felix.runUntil("lb", o -> o.lines().anyMatch(l -> l.contains("hot deploy probe") && l.contains("|Active")),
        "the probe Active");
    Files.delete(deployed);
    felix.runUntil("lb", o -> !o.contains("hot deploy probe") && o.contains("PQ SIP plugin"), "the probe gone");
  }

  @Test
  @Order(10)
  void endOfInputStopsTheFrameworkAndThePhone() throws Exception {
    felix.felix.closeInput();
    assertThat(felix.felix.waitForExit(T)).isZero();
    assertThat(felix.felix.output()).contains("pq phone stopped");
  }

  private static int count(String text, String needle) {
    int n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }

  private static long sockets(long pid) throws IOException {
    try (var fds = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
      return fds.filter(f -> {
        try {
          return Files.readSymbolicLink(f).toString().startsWith("socket:");
        } catch (IOException e) {
          return false; // closed while we looked
        }
      }).count();
    }
  }

  /** Threads of the process, without the JIT compiler's (the JVM adds and retires those as it likes). */
  private static long threads(long pid) throws IOException {
    try (var tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
      List<String> names = tasks.map(t -> {
        try {
          return Files.readString(t.resolve("comm")).strip();
        } catch (IOException e) {
          return "C1 CompilerThread"; // ended while we looked
        }
      }).filter(n -> !n.startsWith("C1 CompilerThre") && !n.startsWith("C2 CompilerThre")).sorted().toList();
      return names.size();
    }
  }
}
