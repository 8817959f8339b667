package org.pqsip.relay.alloc;

import java.net.InetSocketAddress;

/** RFC 8656 §2: client address, server address and transport identify an allocation. */
public record FiveTuple(InetSocketAddress client, InetSocketAddress server, String transport) {
  @Override
  public String toString() {
    return "FiveTuple[" + transport + "]"; // never print addresses
  }
}
