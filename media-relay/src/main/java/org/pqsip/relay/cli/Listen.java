package org.pqsip.relay.cli;

import java.net.InetSocketAddress;
import org.pqsip.stun.HostPort;

/** One {@code --listen} value: {@code udp|tcp|tls:HOST:PORT}, HOST a literal IP ([::1] for IPv6). No DNS. */
record Listen(String transport, InetSocketAddress address) {
  static Listen parse(String s) {
    int colon = s.indexOf(':');
    int last = s.lastIndexOf(':');
    if (colon <= 0 || last == colon) {
      throw new IllegalArgumentException("--listen must look like udp:127.0.0.1:3478, got '" + s + "'");
    }
    String transport = s.substring(0, colon);
    if (!transport.equals("udp") && !transport.equals("tcp") && !transport.equals("tls")) {
      throw new IllegalArgumentException("--listen transport must be udp, tcp or tls, got '" + transport + "'");
    }
    return new Listen(transport, HostPort.parse(s.substring(colon + 1), "--listen"));
  }
}
