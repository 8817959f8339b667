package org.pqsip.ice;

import java.net.InetSocketAddress;
import java.util.Locale;
import org.pqsip.stun.HostPort;

/**
 * One of our relays, as RFC 7065 writes it: {@code turn:203.0.113.10:3478?transport=udp},
 * {@code ?transport=tcp}, {@code ?transport=tls} or {@code turns:HOST:PORT} (TLS). The host must be
 * a literal address: a phone that must work air-gapped looks nothing up.
 */
public record RelayUri(String transport, InetSocketAddress address) {
  public RelayUri {
    if (!transport.equals("udp") && !transport.equals("tcp") && !transport.equals("tls")) {
      throw new IllegalArgumentException("relay transport must be udp, tcp or tls, not " + transport);
    }
  }

  public static RelayUri parse(String text) {
    String t = text.trim();
    String lower = t.toLowerCase(Locale.ROOT);
    boolean secure = lower.startsWith("turns:");
    if (!secure && !lower.startsWith("turn:")) {
      throw new IllegalArgumentException("--relay must look like turn:203.0.113.10:3478?transport=udp, got '" + text + "'");
    }
    String rest = t.substring(secure ? 6 : 5);
    String transport = secure ? "tls" : "udp";
    int q = rest.indexOf('?');
    if (q >= 0) {
      String query = rest.substring(q + 1).toLowerCase(Locale.ROOT);
      rest = rest.substring(0, q);
      if (!query.startsWith("transport=")) {
        throw new IllegalArgumentException("--relay knows only ?transport=udp|tcp|tls, got '" + text + "'");
      }
      transport = query.substring("transport=".length());
      if (secure && !transport.equals("tls") && !transport.equals("tcp")) {
        throw new IllegalArgumentException("turns: runs over TLS, got '" + text + "'");
      }
      transport = secure ? "tls" : transport;
    }
    InetSocketAddress address = HostPort.parse(rest, "--relay");
    if (address.getPort() == 0) {
      throw new IllegalArgumentException("--relay port out of range in '" + text + "'");
    }
    return new RelayUri(transport, address);
  }

  @Override
  public String toString() {
    return "turn:[relay]?transport=" + transport; // addresses stay out of logs
  }
}
