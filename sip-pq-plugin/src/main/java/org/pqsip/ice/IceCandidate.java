package org.pqsip.ice;

import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Optional;
import org.pqsip.sdp.SdpException;
import org.pqsip.stun.HostPort;

/**
 * One {@code a=candidate} line (RFC 8839 §5.1): foundation, component, transport, priority,
 * address, type and, for reflexive and relayed candidates, the related address. Extensions
 * ({@code generation}, {@code network-id}, …) are accepted and dropped. Only UDP candidates with
 * literal addresses are usable here: a candidate naming a host (an mDNS {@code .local} name or
 * an FQDN) is refused as unusable rather than looked up, because the phone resolves nothing.
 */
public record IceCandidate(String foundation, int component, long priority, InetSocketAddress address, Type type,
    Optional<InetSocketAddress> related) {

  /** RFC 8445 candidate types, as written in SDP. */
  public enum Type {
    HOST("host"), SRFLX("srflx"), PRFLX("prflx"), RELAY("relay");

    final String token;

    Type(String token) {
      this.token = token;
    }

    static Type of(String token) throws SdpException {
      for (Type t : values()) {
        if (t.token.equals(token)) {
          return t;
        }
      }
      throw new SdpException("a=candidate type '" + token + "' is not host, srflx, prflx or relay");
    }

    /** Which path a pair with a candidate of this type on one end can be at most. */
    public PathKind path() {
      return this == RELAY ? PathKind.RELAY : PathKind.P2P;
    }
  }

  public static final String ATTRIBUTE = "candidate";
  private static final int MAX_LINE = 512;

  public IceCandidate {
    if (!foundation.matches("[A-Za-z0-9+/]{1,32}")) {
      throw new IllegalArgumentException("bad foundation");
    }
    if (component < 1 || component > 256 || priority < 1 || priority > 0xFFFFFFFFL) {
      throw new IllegalArgumentException("component or priority out of range");
    }
  }

  /** Parses the value of {@code a=candidate:}; a UDP candidate with literal addresses, or an error saying why not. */
  public static IceCandidate parse(String value) throws SdpException {
    if (value.length() > MAX_LINE) {
      throw new SdpException("a=candidate longer than " + MAX_LINE + " characters");
    }
    String[] f = value.trim().split(" +");
    if (f.length < 8 || !f[6].equals("typ")) {
      throw new SdpException("a=candidate needs 'foundation component transport priority address port typ type'");
    }
    if (!f[2].equalsIgnoreCase("udp")) {
      throw new SdpException("a=candidate transport '" + f[2] + "' is not UDP");
    }
    try {
      int component = Integer.parseInt(f[1]);
      long priority = Long.parseLong(f[3]);
      InetSocketAddress address = address(f[4], f[5]);
      Type type = Type.of(f[7].toLowerCase(Locale.ROOT));
      Optional<InetSocketAddress> related = Optional.empty();
      String raddr = null;
      String rport = null;
      for (int i = 8; i + 1 < f.length; i += 2) {
        if (f[i].equals("raddr")) {
          raddr = f[i + 1];
        } else if (f[i].equals("rport")) {
          rport = f[i + 1];
        }
      }
      if (raddr != null && rport != null) {
        related = Optional.of(address(raddr, rport));
      }
      return new IceCandidate(f[0], component, priority, address, type, related);
    } catch (NumberFormatException e) {
      throw new SdpException("a=candidate has a malformed number");
    } catch (IllegalArgumentException e) {
      throw new SdpException("a=candidate out of range: " + e.getMessage());
    }
  }

  /** The value after {@code a=candidate:}. */
  public String format() {
    StringBuilder b = new StringBuilder()
        .append(foundation).append(' ').append(component).append(" UDP ").append(priority).append(' ')
        .append(address.getAddress().getHostAddress()).append(' ').append(address.getPort())
        .append(" typ ").append(type.token);
    related.ifPresent(r -> b.append(" raddr ").append(r.getAddress().getHostAddress()).append(" rport ").append(r.getPort()));
    return b.toString();
  }

  private static InetSocketAddress address(String host, String port) throws SdpException {
    int p = Integer.parseInt(port);
    if (p < 0 || p > 65535) {
      throw new SdpException("a=candidate port out of range");
    }
    try {
      return new InetSocketAddress(HostPort.literal(host, "a=candidate"), p);
    } catch (IllegalArgumentException e) {
      throw new SdpException(e.getMessage());
    }
  }
}
