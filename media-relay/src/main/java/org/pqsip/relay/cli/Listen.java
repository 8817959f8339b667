package org.pqsip.relay.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

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
    return new Listen(transport, hostPort(s.substring(colon + 1), "--listen"));
  }

  /** HOST:PORT with a literal address (IPv6 in brackets); never a name lookup. */
  static InetSocketAddress hostPort(String s, String what) {
    int last = s.lastIndexOf(':');
    if (last <= 0) {
      throw new IllegalArgumentException(what + " needs HOST:PORT, got '" + s + "'");
    }
    String host = s.substring(0, last);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(s.substring(last + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + " port is not a number in '" + s + "'");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(what + " port out of range in '" + s + "'");
    }
    return new InetSocketAddress(literal(host, what), port);
  }

  static InetAddress literal(String host, String what) {
    if (!host.matches("[0-9.]+") && !host.matches("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
      throw new IllegalArgumentException(what + " needs a literal IP address (no DNS), got '" + host + "'");
    }
    try {
      return InetAddress.getByName(host); // a literal: parsed, not looked up
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(what + " has an invalid IP address '" + host + "'");
    }
  }
}
