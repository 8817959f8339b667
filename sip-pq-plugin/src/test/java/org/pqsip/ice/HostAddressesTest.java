package org.pqsip.ice;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which interface addresses become host candidates for an unspecified --media address. */
class HostAddressesTest {
  static InetAddress ip(String literal) throws Exception {
    return InetAddress.getByName(literal);
  }

  @Test
  void aConcreteMediaAddressIsTheOnlyHostAddress() throws Exception {
    assertThat(HostAddresses.of(ip("198.51.100.20"))).containsExactly(ip("198.51.100.20"));
  }

  @Test
  void unspecifiedIpv4TakesEveryIpv4InterfaceAddressButLoopbackAndLinkLocal() throws Exception {
    List<InetAddress> found = List.of(ip("127.0.0.1"), ip("198.51.100.20"), ip("169.254.3.4"), ip("fe80::1"),
        ip("2001:db8::20"), ip("203.0.113.5"), ip("198.51.100.20"));
    assertThat(HostAddresses.select(ip("0.0.0.0"), found)).containsExactly(ip("198.51.100.20"), ip("203.0.113.5"));
  }

  @Test
  void unspecifiedIpv6AlsoTakesGlobalIpv6Addresses() throws Exception {
    List<InetAddress> found = List.of(ip("::1"), ip("fe80::1"), ip("2001:db8::20"), ip("198.51.100.20"));
    assertThat(HostAddresses.select(ip("::"), found)).containsExactly(ip("2001:db8::20"), ip("198.51.100.20"));
  }

  @Test
  void onThisMachineTheUnspecifiedAddressGivesOnlyUsableAddresses() throws Exception {
    // whatever interfaces this machine has: none of them loopback, link-local or unspecified
    try {
      for (InetAddress a : HostAddresses.of(ip("0.0.0.0"))) {
        assertThat(a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress()).as(a.toString()).isFalse();
      }
    } catch (java.io.IOException e) {
      assertThat(e).hasMessageContaining("no interface with a usable address is up"); // e.g. a namespace with only lo
    }
  }
}
