package org.pqsip.ice;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Where ICE host candidates live: the {@code --media} address, or when that is unspecified
 * ({@code 0.0.0.0}, {@code ::}), the addresses of every interface that is up: not loopback, not
 * link-local (RFC 8445 §5.1.1.1 leaves them out), IPv4 for {@code 0.0.0.0}, IPv4 and global IPv6
 * for {@code ::}. Read from the machine's own interfaces: nothing is looked up.
 */
public final class HostAddresses {
  private HostAddresses() {}

  /** The host addresses for {@code media}; never empty. */
  public static List<InetAddress> of(InetAddress media) throws IOException {
    if (!media.isAnyLocalAddress()) {
      return List.of(media);
    }
    List<InetAddress> all = new ArrayList<>();
    try {
      for (NetworkInterface i : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (i.isUp() && !i.isLoopback()) {
          all.addAll(Collections.list(i.getInetAddresses()));
        }
      }
    } catch (SocketException e) {
      throw new IOException("cannot list the network interfaces: " + e.getMessage(), e);
    }
    List<InetAddress> chosen = select(media, all);
    if (chosen.isEmpty()) {
      throw new IOException("--media " + media.getHostAddress() + ": no interface with a usable address is up");
    }
    return chosen;
  }

  /** The usable ones of {@code addresses} for an unspecified {@code media} address, in order. */
  static List<InetAddress> select(InetAddress media, List<InetAddress> addresses) {
    boolean v6 = media instanceof Inet6Address;
    List<InetAddress> out = new ArrayList<>();
    for (InetAddress a : addresses) {
      boolean family = a instanceof Inet4Address || (v6 && a instanceof Inet6Address);
      if (family && !a.isLoopbackAddress() && !a.isLinkLocalAddress() && !a.isAnyLocalAddress()
          && !a.isMulticastAddress() && !out.contains(a)) {
        out.add(a);
      }
    }
    return out;
  }
}
