package org.pqsip.relay.core;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Which peer addresses an allocation may reach: no SSRF, no open proxy into the operator's
 * network. A peer address is first reduced to the IPv4 address it carries, whatever the
 * encoding (IPv4-mapped {@code ::ffff:a.b.c.d}, IPv4-compatible {@code ::a.b.c.d}, NAT64
 * {@code 64:ff9b::/96}, 6to4 {@code 2002::/16}): {@code ::ffff:127.0.0.1} is 127.0.0.1 (the JDK
 * calls it neither loopback nor site-local). Then {@link #DENIED} (the RFC 6890 special-purpose
 * ranges that are not globally reachable, and the relay's own addresses) is refused unless
 * {@code --allow-peer CIDR} opens a range (tests). The documentation ranges (192.0.2.0/24,
 * 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) stay reachable: they route nowhere on the
 * internet, and the test networks are built from them.
 */
public final class PeerPolicy {
  /** Denied by default: range and why. README's relay section prints the same table. */
  public static final List<String[]> DENIED = List.of(
      new String[] {"0.0.0.0/8", "\"this network\", unspecified"},
      new String[] {"10.0.0.0/8", "private (RFC 1918)"},
      new String[] {"100.64.0.0/10", "carrier-grade NAT (RFC 6598)"},
      new String[] {"127.0.0.0/8", "loopback"},
      new String[] {"169.254.0.0/16", "link-local (cloud metadata at 169.254.169.254)"},
      new String[] {"172.16.0.0/12", "private (RFC 1918)"},
      new String[] {"192.0.0.0/24", "IETF protocol assignments"},
      new String[] {"192.168.0.0/16", "private (RFC 1918)"},
      new String[] {"198.18.0.0/15", "benchmarking"},
      new String[] {"224.0.0.0/4", "multicast"},
      new String[] {"240.0.0.0/4", "reserved, and the limited broadcast 255.255.255.255"},
      new String[] {"::/128", "unspecified"},
      new String[] {"::1/128", "loopback"},
      new String[] {"64:ff9b:1::/48", "local-use NAT64 (RFC 8215)"},
      new String[] {"100::/64", "discard-only"},
      new String[] {"2001::/23", "IETF protocol assignments (Teredo, benchmarking, ORCHID)"},
      new String[] {"fc00::/7", "unique local"},
      new String[] {"fe80::/10", "link-local"},
      new String[] {"fec0::/10", "site-local (deprecated)"},
      new String[] {"ff00::/8", "multicast"});
  private static final List<byte[][]> DENIED_RANGES = DENIED.stream().map(d -> parse(d[0])).toList();

  private final List<byte[][]> allowed = new ArrayList<>();
  private final Set<InetAddress> own;

  public PeerPolicy(Set<InetAddress> relayOwnAddresses, List<String> allowCidrs) {
    this.own = relayOwnAddresses.stream().map(PeerPolicy::normalize).collect(java.util.stream.Collectors.toUnmodifiableSet());
    for (String cidr : allowCidrs) {
      allowed.add(parse(cidr));
    }
  }

  public boolean allowed(InetAddress peer) {
    InetAddress a = normalize(peer);
    for (byte[][] c : allowed) {
      if (matches(c, a)) {
        return true;
      }
    }
    if (own.contains(a)) {
      return false;
    }
    for (byte[][] c : DENIED_RANGES) {
      if (matches(c, a)) {
        return false;
      }
    }
    return !(a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
        || a.isAnyLocalAddress() || a.isMulticastAddress() || uniqueLocalV6(a));
  }

  /** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), else itself. */
  static InetAddress normalize(InetAddress a) {
    byte[] b = a.getAddress();
    if (b.length != 16) {
      return a;
    }
    int from = -1;
    if (zero(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
      from = 12; // ::ffff:a.b.c.d
    } else if (zero(b, 0, 12) && !(zero(b, 12, 15) && (b[15] & 0xff) <= 1)) {
      from = 12; // ::a.b.c.d (deprecated IPv4-compatible), not :: or ::1
    } else if (b[0] == 0 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b && zero(b, 4, 12)) {
      from = 12; // 64:ff9b::a.b.c.d (NAT64 well-known prefix)
    } else if (b[0] == 0x20 && b[1] == 0x02) {
      from = 2; // 2002:aabb:ccdd::/48 (6to4)
    }
    if (from < 0) {
      return a;
    }
    try {
      return InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, from, from + 4));
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e); // four bytes are always an address
    }
  }

  private static boolean zero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean uniqueLocalV6(InetAddress a) {
    byte[] b = a.getAddress();
    return b.length == 16 && (b[0] & 0xfe) == 0xfc;
  }

  /** {network bytes, mask bytes}. */
  static byte[][] parse(String cidr) {
    String[] p = cidr.split("/");
    // Literal addresses only: InetAddress.getByName on a name would ask DNS.
    if (p.length > 2 || !p[0].matches("[0-9a-fA-F:.]+") || !(p[0].contains(".") || p[0].contains(":"))) {
      throw new IllegalArgumentException("bad CIDR: " + cidr);
    }
    try {
      byte[] net = InetAddress.getByName(p[0]).getAddress();
      int bits = p.length > 1 ? Integer.parseInt(p[1]) : net.length * 8;
      if (bits < 0 || bits > net.length * 8) {
        throw new IllegalArgumentException("bad CIDR: " + cidr);
      }
      byte[] mask = new byte[net.length];
      for (int i = 0; i < bits; i++) {
        mask[i / 8] |= (byte) (0x80 >>> (i % 8));
      }
      return new byte[][] {net, mask};
    } catch (java.net.UnknownHostException | NumberFormatException e) {
      throw new IllegalArgumentException("bad CIDR: " + cidr);
    }
  }

  private static boolean matches(byte[][] c, InetAddress a) {
    byte[] b = a.getAddress();
    if (b.length != c[0].length) {
      return false;
    }
    for (int i = 0; i < b.length; i++) {
      if ((b[i] & c[1][i]) != (c[0][i] & c[1][i])) {
        return false;
      }
    }
    return true;
  }
}
