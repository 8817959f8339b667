package org.pqsip.ice;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NatClassTest {
  static final InetSocketAddress LOCAL = new InetSocketAddress("198.51.100.20", 40000);
  static final InetSocketAddress MAPPED = new InetSocketAddress("203.0.113.2", 40000);
  static final InetSocketAddress MAPPED_OTHER_PORT = new InetSocketAddress("203.0.113.2", 51234);

  @Test
  void sameMappingFromBothRelayAddresses_isEndpointIndependent() {
    assertThat(NatClass.classify(LOCAL, Optional.of(MAPPED), Optional.of(MAPPED))).isEqualTo(NatClass.ENDPOINT_INDEPENDENT);
  }

  @Test
  void aNewMappingPerDestination_isAddressDependentAndDefeatsP2p() {
    NatClass c = NatClass.classify(LOCAL, Optional.of(MAPPED), Optional.of(MAPPED_OTHER_PORT));
    assertThat(c).isEqualTo(NatClass.ADDRESS_DEPENDENT);
    assertThat(c.defeatsP2p()).isTrue();
  }

  @Test
  void mappedAddressIsOurOwn_isOpen() {
    assertThat(NatClass.classify(LOCAL, Optional.of(LOCAL), Optional.of(LOCAL))).isEqualTo(NatClass.OPEN);
    assertThat(NatClass.classify(LOCAL, Optional.of(LOCAL), Optional.empty())).isEqualTo(NatClass.OPEN);
  }

  @Test
  void noAnswerOrNoSecondRelayAddress_isUnknown() {
    assertThat(NatClass.classify(LOCAL, Optional.empty(), Optional.empty())).isEqualTo(NatClass.UNKNOWN);
    assertThat(NatClass.classify(LOCAL, Optional.of(MAPPED), Optional.empty())).isEqualTo(NatClass.UNKNOWN);
  }

  @Test
  void udpBlocked_defeatsP2pAndTheOthersDoNot() {
    assertThat(NatClass.UDP_BLOCKED.defeatsP2p()).isTrue();
    assertThat(NatClass.UDP_BLOCKED.token()).isEqualTo("udp-blocked");
    assertThat(NatClass.OPEN.defeatsP2p()).isFalse();
    assertThat(NatClass.ENDPOINT_INDEPENDENT.defeatsP2p()).isFalse();
    assertThat(NatClass.UNKNOWN.defeatsP2p()).isFalse();
  }

  @Test
  void sdpTokens_roundTripAndUnknownWordsAreUnknown() {
    for (NatClass c : NatClass.values()) {
      assertThat(NatClass.fromToken(c.token())).isEqualTo(c);
    }
    assertThat(NatClass.fromToken("port-restricted-cone")).isEqualTo(NatClass.UNKNOWN);
    assertThat(NatClass.fromToken(null)).isEqualTo(NatClass.UNKNOWN);
    assertThat(NatClass.fromToken(" address-dependent ")).isEqualTo(NatClass.ADDRESS_DEPENDENT);
  }
}
