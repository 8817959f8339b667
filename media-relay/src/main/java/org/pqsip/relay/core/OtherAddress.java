package org.pqsip.relay.core;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

/**
 * RFC 5780 §7.4 OTHER-ADDRESS: when the relay listens for UDP on two or more addresses (or
 * ports), a Binding response names another one, so a phone can ask both from one socket and
 * compare the mapped addresses it gets (different: its NAT maps per destination, and P2P through
 * it will fail). Only listen addresses go out, never anything about clients; the list is set once
 * the listeners are bound (port 0 becomes a real port) and read on the event loops.
 */
public final class OtherAddress {
  private final InetAddress advertised;
  private volatile List<InetSocketAddress> udp = List.of();

  /** @param advertised the address to name when a listener is bound to the wildcard address */
  public OtherAddress(InetAddress advertised) {
    this.advertised = advertised;
  }

  /** No second address: Binding responses carry no OTHER-ADDRESS. */
  public static OtherAddress none() {
    return new OtherAddress(InetAddress.getLoopbackAddress());
  }

  /** The relay's bound UDP listen addresses, in the order they were configured. */
  public void listeners(List<InetSocketAddress> bound) {
    this.udp = List.copyOf(bound);
  }

  /** The listener after {@code server} (the one a request came in on), if there is another. */
  public Optional<InetSocketAddress> otherThan(InetSocketAddress server) {
    List<InetSocketAddress> all = udp;
    int i = all.indexOf(server);
    if (i < 0 || all.size() < 2) {
      return Optional.empty();
    }
    InetSocketAddress other = all.get((i + 1) % all.size());
    return Optional.of(other.getAddress().isAnyLocalAddress() ? new InetSocketAddress(advertised, other.getPort()) : other);
  }
}
