package org.pqsip.sip;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.pqsip.keying.DeviceId;
import org.pqsip.keying.KeyingConfig;
import org.pqsip.keying.Policy;
import org.pqsip.media.AudioCodec;
import org.pqsip.media.ToneSource;
import org.pqsip.testing.ShakeRandom;

/** The phone's configuration refuses what would make calls that cannot work, with the reason. */
class PhoneConfigTest {
  private static PhoneConfig config(String mediaAddress, boolean sdes) throws Exception {
    InetAddress lo = InetAddress.getLoopbackAddress();
    return new PhoneConfig(new InetSocketAddress(lo, 5070), "sip:a@pq.test",
        KeyingConfig.defaults(Policy.PREFER, DeviceId.random(new ShakeRandom("cfg"))).withSdes(sdes),
        InetAddress.getByName(mediaAddress), 40000, 40099, AudioCodec.PCMU, () -> new ToneSource(440),
        Optional.empty(), Optional.empty(), false, Duration.ofSeconds(10), Optional.empty());
  }

  @Test
  void anUnspecifiedMediaAddressWouldAdvertiseHoldAndIsRefused() {
    assertThatThrownBy(() -> config("0.0.0.0", false)).hasMessageContaining("not an unspecified one");
    assertThatThrownBy(() -> config("::", false)).hasMessageContaining("not an unspecified one");
  }

  @Test
  void withIceAnUnspecifiedMediaAddressMeansHostCandidatesOnEveryInterface() throws Exception {
    org.pqsip.ice.IceConfig ice = new org.pqsip.ice.IceConfig(
        java.util.List.of(org.pqsip.ice.RelayUri.parse("turn:203.0.113.10:3478")), Optional.of(new byte[16]),
        Optional.empty(), org.pqsip.ice.PathSettings.DEFAULTS);
    PhoneConfig c = new PhoneConfig(new InetSocketAddress(InetAddress.getLoopbackAddress(), 5070), "sip:a@pq.test",
        KeyingConfig.defaults(Policy.PREFER, DeviceId.random(new ShakeRandom("cfg"))),
        InetAddress.getByName("0.0.0.0"), 40000, 40099, AudioCodec.PCMU, () -> new ToneSource(440),
        Optional.empty(), Optional.empty(), false, Duration.ofSeconds(10), Optional.empty(), ice);
    org.assertj.core.api.Assertions.assertThat(c.mediaAddress().isAnyLocalAddress()).isTrue();
  }

  @Test
  void sdesOnPlainSipIsRefused() {
    assertThatThrownBy(() -> config("127.0.0.1", true)).hasMessageContaining("needs SIP over TLS");
  }
}
