package org.pqsip.stun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class MappedAddressTest {
  @Test
  void ipv4InTheClear_asRfc8489Section14_1Lays() {
    byte[] v = MappedAddress.encode(new InetSocketAddress("203.0.113.10", 3479));
    assertThat(HexFormat.of().formatHex(v)).isEqualTo("00010d97cb00710a");
  }

  @Test
  void roundTripsBothFamilies() throws Exception {
    for (String host : new String[] {"198.51.100.7", "2001:db8::7"}) {
      InetSocketAddress a = new InetSocketAddress(host, 50000);
      assertThat(MappedAddress.decode(MappedAddress.encode(a))).isEqualTo(a);
    }
  }

  @Test
  void badLengthsAndFamiliesAreProtocolErrors() {
    assertThatThrownBy(() -> MappedAddress.decode(new byte[7])).isInstanceOf(StunException.class);
    assertThatThrownBy(() -> MappedAddress.decode(HexFormat.of().parseHex("00020d97cb00710a")))
        .isInstanceOf(StunException.class).hasMessageContaining("family");
  }
}
