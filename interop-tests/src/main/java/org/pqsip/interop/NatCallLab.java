package org.pqsip.interop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Phones behind NAT routers calling each other the way users run them: a {@link NatTopology}
 * with our relay (two public addresses, RFC 5780) and kamailio (registrar and proxy) on the
 * public segment, and {@code ./pq phone} processes started in the hosts' namespaces with
 * {@code --relay}, {@code --proxy}, {@code --register}. Closing it stops every process it
 * started (by handle) and deletes the namespaces. Used by {@code NatIceIT} and {@code ./pq bench ice}.
 */
public final class NatCallLab implements AutoCloseable {
  public static final Duration T = Duration.ofSeconds(40);
  static final String SECRET = "nat-ice-test-shared-secret-0123";

  private final Path dir;
  private final List<ExternalProcess> started = new ArrayList<>();
  private final List<ExternalProcess> phones = new ArrayList<>();
  private NatTopology net;
  private ExternalProcess relay;
  private ExternalProcess kamailio;

  private NatCallLab(Path dir) {
    this.dir = dir;
  }

  /** The topology (namespaces named {@code <prefix>…}) and the public services, running. */
  public static NatCallLab start(String prefix, NatTopology.Mapping a, NatTopology.Mapping b, Path dir) throws Exception {
    return start(prefix, a, b, dir, "");
  }

  /** As above, kamailio routing new requests by {@code route} first (e.g. {@link KamailioConfig#trunkRoute}). */
  public static NatCallLab start(String prefix, NatTopology.Mapping a, NatTopology.Mapping b, Path dir, String route)
      throws Exception {
    NatCallLab lab = new NatCallLab(dir);
    try {
      lab.net = NatTopology.create(prefix, a, b);
      lab.relayCertificate();
      lab.relay = lab.start("relay", lab.net.in("srv", "java", "-XX:AutoBoxCacheMax=65535", "-cp", System.getProperty("java.class.path"),
          "org.pqsip.relay.cli.Relay", "--listen", "udp:" + NatTopology.RELAY_IP + ":3478,udp:" + NatTopology.RELAY_IP2 + ":3478,"
              + "tcp:" + NatTopology.RELAY_IP + ":3478,tls:" + NatTopology.RELAY_IP + ":5349",
          "--cert", dir.resolve("relay-cert.pem").toString(), "--key", dir.resolve("relay-key.pem").toString(),
          "--realm", "pq.test", "--auth-secret", SECRET, "--relay-ip", NatTopology.RELAY_IP));
      lab.relay.awaitLine("relay ready", T);
      Path cfg = dir.resolve("kamailio.cfg");
      Files.writeString(cfg, KamailioConfig.config(NatTopology.RELAY_IP, 5060, route));
      lab.kamailio = lab.start("kamailio", lab.net.in("srv", "kamailio", "-DD", "-E", "-f", cfg.toString(),
          "-Y", dir.toString(), "-w", dir.toString()));
      lab.kamailio.await(o -> o.contains("tcp: " + NatTopology.RELAY_IP + ":5060"), T, "kamailio listening");
      return lab;
    } catch (Exception | Error e) {
      lab.close();
      throw e;
    }
  }

  /** A throw-away certificate naming the relay's address (openssl), for its tls: listener. */
  private void relayCertificate() throws Exception {
    Process p = new ProcessBuilder(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", dir.resolve("relay-key.pem").toString(), "-out", relayCa().toString(), "-days", "1",
        "-subj", "/CN=" + NatTopology.RELAY_IP, "-addext", "subjectAltName=IP:" + NatTopology.RELAY_IP))
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("openssl could not make the relay's certificate: " + out);
    }
  }

  /** The relay's (self-signed) certificate: the authority phones give as {@code --relay-ca}. */
  public Path relayCa() {
    return dir.resolve("relay-cert.pem");
  }

  /** The relay over TCP and over TLS, as {@code --relay} values (its UDP one is always given). */
  public static final String RELAY_TCP = "turn:" + NatTopology.RELAY_IP + ":3478?transport=tcp";
  public static final String RELAY_TLS = "turns:" + NatTopology.RELAY_IP + ":5349";

  public NatTopology net() {
    return net;
  }

  public ExternalProcess relay() {
    return relay;
  }

  /** kamailio, the registrar and proxy (it logs {@link KamailioConfig#REGISTERED} per registration). */
  public ExternalProcess kamailio() {
    return kamailio;
  }

  /**
   * A phone in {@code role}'s namespace on {@code ip}, registered with kamailio, using the relay;
   * policy {@code require} unless {@code extra} names one.
   */
  public ExternalProcess phone(String role, String ip, String... extra) throws Exception {
    return phoneWithMedia(role, ip, ip + ":40000-40099", extra);
  }

  /** As {@link #phone}, with its {@code --media} given (e.g. {@code 0.0.0.0:40000-40099}: every interface). */
  public ExternalProcess phoneWithMedia(String role, String ip, String media, String... extra) throws Exception {
    List<String> cmd = new ArrayList<>(net.in(role, "java", "-cp", System.getProperty("java.class.path"),
        "org.pqsip.phone.Phone", "--sip", "tcp:" + ip + ":5060", "--user", "sip:" + role + "@pq.test",
        "--media", media, "--json", "--state-dir", dir.resolve(role).toString(),
        "--proxy", NatTopology.RELAY_IP + ":5060/tcp", "--register",
        "--relay", "turn:" + NatTopology.RELAY_IP + ":3478", "--relay-secret", SECRET));
    if (!List.of(extra).contains("--policy")) {
      cmd.addAll(List.of("--policy", "require"));
    }
    cmd.addAll(List.of(extra));
    ExternalProcess p = start("phone-" + role, cmd);
    phones.add(p);
    return p;
  }

  /** Stops the phones started so far (by handle), leaving the relay and kamailio up for the next call. */
  public void stopPhones() throws Exception {
    for (ExternalProcess p : phones) {
      p.close();
      started.remove(p);
    }
    phones.clear();
  }

  /** Cuts (op {@code -I}) or restores ({@code -D}) UDP between the two sites at router A. */
  public void p2pUdp(String op) throws Exception {
    net.run("rA", "iptables", op, "FORWARD", "-p", "udp", "-d", "203.0.113.3", "-j", "DROP");
    net.run("rA", "iptables", op, "FORWARD", "-p", "udp", "-s", "203.0.113.3", "-j", "DROP");
  }

  /** Blocks every UDP datagram from the host behind router {@code router} (op {@code -I}) or lets them pass again ({@code -D}). */
  public void udpFromLan(String router, String op) throws Exception {
    net.run(router, "iptables", op, "FORWARD", "-i", "lan", "-p", "udp", "-j", "DROP");
  }

  /**
   * Router {@code router}'s UDP moves to a new public address {@code ip} (as a carrier-grade NAT
   * moving a subscriber to another address of its pool): every UDP mapping is forgotten and the
   * next datagrams leave from {@code ip}. SIP over TCP keeps its connection and address.
   */
  public void moveUdpToNewAddress(String router, String ip) throws Exception {
    net.run(router, "ip", "addr", "add", ip + "/24", "dev", "wan");
    net.run(router, "iptables", "-t", "nat", "-I", "POSTROUTING", "-o", "wan", "-p", "udp", "-j", "SNAT", "--to-source", ip);
    net.run(router, "conntrack", "-D", "-p", "udp");
  }

  private ExternalProcess start(String name, List<String> cmd) throws Exception {
    ExternalProcess p = ExternalProcess.start(name, cmd);
    started.add(p);
    return p;
  }

  @Override
  public void close() throws Exception {
    for (ExternalProcess p : started) {
      p.close();
    }
    started.clear();
    if (net != null) {
      net.close();
    }
  }
}
