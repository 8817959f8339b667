package org.pqsip.stun;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * {@code HOST:PORT} as the relay's and the phones' settings write a STUN/TURN server or listen
 * address: HOST a literal IP ({@code [2001:db8::1]} for IPv6), never a name: nothing here looks
 * anything up, so a configuration works air-gapped and leaks nothing to a resolver.
 */
public final class HostPort {
  private HostPort() {}

  /** Parses {@code s}; errors name the setting ({@code what}) and the bad value. */
  public static InetSocketAddress parse(String s, String what) {
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

  /** A literal IPv4 or IPv6 address; a name is refused. */
  public static InetAddress literal(String host, String what) {
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
