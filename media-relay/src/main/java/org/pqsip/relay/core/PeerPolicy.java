package org.pqsip.relay.core;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Which peer addresses an allocation may reach. By default loopback, link-local, private
 * (RFC 1918, fc00::/7), wildcard, multicast and the relay's own addresses are denied: no SSRF,
 * no open proxy into the operator's network. {@code --allow-peer CIDR} opens ranges (tests).
 */
public final class PeerPolicy {
  private final List<byte[][]> allowed = new ArrayList<>();
  private final Set<InetAddress> own;

  public PeerPolicy(Set<InetAddress> relayOwnAddresses, List<String> allowCidrs) {
    this.own = Set.copyOf(relayOwnAddresses);
    for (String cidr : allowCidrs) {
      allowed.add(parse(cidr));
    }
  }

  public boolean allowed(InetAddress peer) {
    for (byte[][] c : allowed) {
      if (matches(c, peer)) {
        return true;
      }
    }
    if (own.contains(peer)) {
      return false;
    }
    return !(peer.isLoopbackAddress() || peer.isLinkLocalAddress() || peer.isSiteLocalAddress()
        || peer.isAnyLocalAddress() || peer.isMulticastAddress() || uniqueLocalV6(peer));
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
