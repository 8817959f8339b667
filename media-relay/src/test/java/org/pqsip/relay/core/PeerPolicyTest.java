package org.pqsip.relay.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PeerPolicyTest {
  static InetAddress ip(String s) throws Exception {
    return InetAddress.getByName(s);
  }

  @Test
  void deniesInternalAddressesByDefault() throws Exception {
    PeerPolicy p = new PeerPolicy(Set.of(ip("203.0.113.10")), List.of());
    for (String s : List.of("127.0.0.1", "169.254.169.254", "10.1.2.3", "172.16.0.1", "192.168.1.1", "0.0.0.0",
        "224.0.0.1", "::1", "fe80::1", "fd00::1", "203.0.113.10")) {
      assertThat(p.allowed(ip(s))).as(s).isFalse();
    }
    assertThat(p.allowed(ip("198.51.100.7"))).isTrue();
    assertThat(p.allowed(ip("2001:db8::1"))).isTrue();
  }

  @Test
  void allowListOpensRanges() throws Exception {
    PeerPolicy p = new PeerPolicy(Set.of(), List.of("127.0.0.0/8"));
    assertThat(p.allowed(ip("127.0.0.1"))).isTrue();
    assertThat(p.allowed(ip("127.255.0.9"))).isTrue();
    assertThat(p.allowed(ip("10.0.0.1"))).isFalse();
  }

  @Test
  void badCidrsAreClearErrors() {
    assertThatThrownBy(() -> new PeerPolicy(Set.of(), List.of("127.0.0.0/40"))).hasMessageContaining("bad CIDR");
    assertThatThrownBy(() -> new PeerPolicy(Set.of(), List.of("example.org/8"))).hasMessageContaining("bad CIDR");
  }

  /** The first and last address of a CIDR range. */
  private static List<InetAddress> ends(String cidr) throws Exception {
    byte[][] c = PeerPolicy.parse(cidr);
    byte[] first = c[0].clone();
    byte[] last = c[0].clone();
    for (int i = 0; i < first.length; i++) {
      first[i] &= c[1][i];
      last[i] = (byte) (first[i] | ~c[1][i]);
    }
    return List.of(InetAddress.getByAddress(first), InetAddress.getByAddress(last));
  }

  /** An IPv4 address in every IPv6 disguise a peer address can take. */
  private static List<InetAddress> encodings(InetAddress v4) throws Exception {
    byte[] a = v4.getAddress();
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xff;
    mapped[11] = (byte) 0xff;
    System.arraycopy(a, 0, mapped, 12, 4);
    byte[] compat = new byte[16];
    System.arraycopy(a, 0, compat, 12, 4);
    byte[] nat64 = new byte[16];
    nat64[1] = 0x64;
    nat64[2] = (byte) 0xff;
    nat64[3] = (byte) 0x9b;
    System.arraycopy(a, 0, nat64, 12, 4);
    byte[] sixToFour = new byte[16];
    sixToFour[0] = 0x20;
    sixToFour[1] = 0x02;
    System.arraycopy(a, 0, sixToFour, 2, 4);
    sixToFour[15] = 1;
    List<InetAddress> out = new java.util.ArrayList<>(List.of(v4, InetAddress.getByAddress(mapped),
        InetAddress.getByAddress(nat64), InetAddress.getByAddress(sixToFour)));
    if (!(a[0] == 0 && a[1] == 0 && a[2] == 0 && (a[3] & 0xff) <= 1)) {
      out.add(InetAddress.getByAddress(compat)); // ::0.0.0.0 and ::0.0.0.1 are :: and ::1 themselves
    }
    return out;
  }

  @Test
  void everyDeniedRangeIsDeniedAtBothEndsInEveryEncoding() throws Exception {
    PeerPolicy p = new PeerPolicy(Set.of(), List.of());
    int checked = 0;
    for (String[] range : PeerPolicy.DENIED) {
      for (InetAddress end : ends(range[0])) {
        List<InetAddress> forms = end.getAddress().length == 4 ? encodings(end) : List.of(end);
        for (InetAddress a : forms) {
          assertThat(p.allowed(a)).as(range[0] + " (" + range[1] + ") as " + a.getHostAddress()).isFalse();
          checked++;
        }
      }
    }
    assertThat(checked).isGreaterThan(100);
  }

  @Test
  void publicAndDocumentationAddressesPassInEveryEncoding() throws Exception {
    PeerPolicy p = new PeerPolicy(Set.of(ip("203.0.113.10")), List.of());
    for (String s : List.of("8.8.8.8", "198.51.100.7", "203.0.113.2", "192.0.2.1", "100.63.255.255", "100.128.0.0")) {
      for (InetAddress a : encodings(ip(s))) {
        assertThat(p.allowed(a)).as(s + " as " + a.getHostAddress()).isTrue();
      }
    }
    assertThat(p.allowed(ip("2a00:1450:4001::1"))).isTrue();
    assertThat(p.allowed(ip("2001:db8::1"))).isTrue();
  }

  @Test
  void theRelaysOwnAddressIsDeniedInEveryEncoding() throws Exception {
    PeerPolicy p = new PeerPolicy(Set.of(ip("203.0.113.10")), List.of());
    for (InetAddress a : encodings(ip("203.0.113.10"))) {
      assertThat(p.allowed(a)).as(a.getHostAddress()).isFalse();
    }
  }

  @Test
  void anAllowedRangeAlsoOpensItsIpv6Disguises() throws Exception {
    PeerPolicy p = new PeerPolicy(Set.of(), List.of("127.0.0.0/8"));
    for (InetAddress a : encodings(ip("127.0.0.1"))) {
      assertThat(p.allowed(a)).as(a.getHostAddress()).isTrue();
    }
  }
}
