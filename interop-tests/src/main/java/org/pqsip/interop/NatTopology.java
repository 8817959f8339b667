package org.pqsip.interop;

import java.util.ArrayList;
import java.util.List;

/**
 * A small internet in network namespaces (../shared/TESTBED.md "NAT topologies"), created by the
 * test and deleted by {@link #close}: a public segment 203.0.113.0/24 (a bridge) with the relay's
 * host {@code srv} (203.0.113.10 and .11) and a sink (.254) that silently swallows traffic to
 * anywhere else (so unreachable candidates time out as on the internet instead of failing at
 * once); two NAT routers {@code rA} (.2) and {@code rB} (.3), each with one phone host behind it:
 * {@code hA} 198.51.100.20 in 198.51.100.0/25 and {@code hB} 198.51.100.140 in 198.51.100.128/25.
 * Each router masquerades (port-preserving, endpoint-independent mapping) or, for
 * {@link Mapping#ADDRESS_DEPENDENT}, with {@code --random-fully} (a new port per destination:
 * "symmetric"), and drops new inbound connections on its public side, as home routers do.
 */
public final class NatTopology implements AutoCloseable {
  public enum Mapping { ENDPOINT_INDEPENDENT, ADDRESS_DEPENDENT }

  public static final String RELAY_IP = "203.0.113.10";
  public static final String RELAY_IP2 = "203.0.113.11";
  public static final String HOST_A = "198.51.100.20";
  public static final String HOST_B = "198.51.100.140";

  private final String prefix;
  private final Namespaces namespaces = new Namespaces();

  private NatTopology(String prefix) {
    this.prefix = prefix;
  }

  /** Builds the topology; namespaces are named {@code <prefix>pub}, {@code <prefix>srv}, ... */
  public static NatTopology create(String prefix, Mapping a, Mapping b) throws Exception {
    NatTopology t = new NatTopology(prefix);
    try {
      t.build(a, b);
    } catch (Exception | Error e) {
      t.close();
      throw e;
    }
    return t;
  }

  /** The namespace of a role: pub, srv, sink, rA, hA, rB, hB. */
  public String ns(String role) {
    return prefix + role;
  }

  /** A command run inside a role's namespace. */
  public List<String> in(String role, String... command) {
    return Namespaces.in(ns(role), command);
  }

  /** Runs a command in a role's namespace and fails with its output if it fails. */
  public void run(String role, String... command) throws Exception {
    namespaces.run(ns(role), command);
  }

  private void build(Mapping a, Mapping b) throws Exception {
    for (String role : List.of("pub", "srv", "sink", "rA", "hA", "rB", "hB")) {
      namespaces.add(ns(role));
    }
    run("pub", "ip", "link", "add", "br0", "type", "bridge");
    run("pub", "ip", "link", "set", "br0", "up");
    wan("srv", "203.0.113.10/24");
    run("srv", "ip", "addr", "add", "203.0.113.11/24", "dev", "wan");
    wan("sink", "203.0.113.254/24"); // forwarding off: what it is sent, it drops without a word
    run("srv", "ip", "route", "add", "default", "via", "203.0.113.254");
    router("rA", "hA", "203.0.113.2/24", "198.51.100.1/25", HOST_A + "/25", a);
    router("rB", "hB", "203.0.113.3/24", "198.51.100.129/25", HOST_B + "/25", b);
  }

  /** A veth from the role's namespace ({@code wan}) to a port of the public bridge. */
  private void wan(String role, String address) throws Exception {
    Namespaces.exec(List.of("ip", "-n", ns("pub"), "link", "add", "p-" + role, "type", "veth", "peer", "name", "wan", "netns", ns(role)));
    run("pub", "ip", "link", "set", "p-" + role, "master", "br0", "up");
    run(role, "ip", "addr", "add", address, "dev", "wan");
    run(role, "ip", "link", "set", "wan", "up");
  }

  private void router(String router, String host, String wanAddr, String lanAddr, String hostAddr, Mapping mapping)
      throws Exception {
    wan(router, wanAddr);
    Namespaces.exec(List.of("ip", "-n", ns(router), "link", "add", "lan", "type", "veth", "peer", "name", "eth0", "netns", ns(host)));
    run(router, "ip", "addr", "add", lanAddr, "dev", "lan");
    run(router, "ip", "link", "set", "lan", "up");
    run(host, "ip", "addr", "add", hostAddr, "dev", "eth0");
    run(host, "ip", "link", "set", "eth0", "up");
    run(host, "ip", "route", "add", "default", "via", lanAddr.substring(0, lanAddr.indexOf('/')));
    run(router, "ip", "route", "add", "default", "via", "203.0.113.254");
    run(router, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
    List<String> masquerade = new ArrayList<>(List.of("iptables", "-t", "nat", "-A", "POSTROUTING", "-o", "wan", "-j", "MASQUERADE"));
    if (mapping == Mapping.ADDRESS_DEPENDENT) {
      masquerade.add("--random-fully");
    }
    run(router, masquerade.toArray(String[]::new));
    // Unsolicited packets from outside reach neither the host nor the router itself. The second
    // matters as much: a hole-punching packet that arrives before our own went out is addressed
    // to the router, would be answered (ICMP) and leave a conntrack entry behind, and the NAT
    // would then give our own packet to that peer a new port, as a symmetric NAT does
    // (TESTBED.md; seen here as a peer-reflexive candidate where a server-reflexive one was due).
    run(router, "iptables", "-A", "FORWARD", "-i", "wan", "-m", "conntrack", "--ctstate", "NEW", "-j", "DROP");
    run(router, "iptables", "-A", "INPUT", "-i", "wan", "-m", "conntrack", "--ctstate", "NEW", "-j", "DROP");
  }


  /** Deletes every namespace this topology created (their interfaces go with them). */
  @Override
  public void close() throws Exception {
    namespaces.close();
  }
}
