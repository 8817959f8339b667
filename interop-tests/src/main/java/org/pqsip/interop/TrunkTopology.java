package org.pqsip.interop;

import java.util.ArrayList;
import java.util.List;

/**
 * Two sites joined by one link, in network namespaces the test creates and {@link #close}
 * deletes. Each site is a namespace ({@code <prefix>A}, {@code <prefix>B}) with its voice LAN
 * (site A {@value #LAN_A}, site B {@value #LAN_B}: its PBX, phones and the gateway's LAN side) and
 * the trunk interface {@code trunk} of a veth pair between the sites
 * (198.51.100.1 and .2). The sites' LANs are not routed to each other: a call between them can
 * only cross as the gateways carry it, and a capture on {@code trunk} sees all of that and
 * nothing else.
 */
public final class TrunkTopology implements AutoCloseable {
  public static final String LAN_A = "203.0.113.1";
  public static final String LAN_B = "203.0.113.65";
  public static final String TRUNK_A = "198.51.100.1";
  public static final String TRUNK_B = "198.51.100.2";

  private final String prefix;
  private final Namespaces namespaces = new Namespaces();

  private TrunkTopology(String prefix) {
    this.prefix = prefix;
  }

  public static TrunkTopology create(String prefix) throws Exception {
    TrunkTopology t = new TrunkTopology(prefix);
    try {
      t.build();
    } catch (Exception | Error e) {
      t.close();
      throw e;
    }
    return t;
  }

  /** The namespace of site "A" or "B". */
  public String ns(String site) {
    return prefix + site;
  }

  /** A command run inside a site's namespace. */
  public List<String> in(String site, String... command) {
    return Namespaces.in(ns(site), command);
  }

  private void run(String site, String... command) throws Exception {
    namespaces.run(ns(site), command);
  }

  private void build() throws Exception {
    for (String site : List.of("A", "B")) {
      namespaces.add(ns(site));
      // The kernel here has no dummy interfaces: a veth pair with both ends in the site.
      run(site, "ip", "link", "add", "lan", "type", "veth", "peer", "name", "lan1");
      run(site, "ip", "addr", "add", (site.equals("A") ? LAN_A : LAN_B) + "/26", "dev", "lan");
      run(site, "ip", "link", "set", "lan", "up");
      run(site, "ip", "link", "set", "lan1", "up");
    }
    Namespaces.exec(List.of("ip", "-n", ns("A"), "link", "add", "trunk", "type", "veth", "peer", "name", "trunk", "netns", ns("B")));
    run("A", "ip", "addr", "add", TRUNK_A + "/24", "dev", "trunk");
    run("B", "ip", "addr", "add", TRUNK_B + "/24", "dev", "trunk");
    run("A", "ip", "link", "set", "trunk", "up");
    run("B", "ip", "link", "set", "trunk", "up");
  }


  /** Deletes both namespaces (their interfaces go with them). */
  @Override
  public void close() throws Exception {
    namespaces.close();
  }
}
