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
}
