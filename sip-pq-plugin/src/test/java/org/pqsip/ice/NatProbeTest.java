package org.pqsip.ice;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.pqsip.stun.MappedAddress;
import org.pqsip.stun.StunAttribute;
import org.pqsip.stun.StunClass;
import org.pqsip.stun.StunMessage;
import org.pqsip.stun.StunMethod;
import org.pqsip.stun.XorAddress;

class NatProbeTest {
  static final InetSocketAddress RELAY = new InetSocketAddress("203.0.113.10", 3478);
  static final InetSocketAddress RELAY_OTHER = new InetSocketAddress("203.0.113.10", 3479);
  static final InetSocketAddress LOCAL = new InetSocketAddress("198.51.100.20", 40000);
  static final InetSocketAddress MAPPED = new InetSocketAddress("203.0.113.2", 40000);

  /** The relay's answer to the probe's current request: this mapped address, maybe an OTHER-ADDRESS. */
  static byte[] answer(NatProbe probe, InetSocketAddress mapped, InetSocketAddress other) throws Exception {
    byte[] req = probe.request();
    byte[] tid = StunMessage.decode(req, 0, req.length).transactionId();
    List<StunAttribute> attrs = new ArrayList<>();
    attrs.add(new StunAttribute(StunAttribute.XOR_MAPPED_ADDRESS, XorAddress.encode(mapped, tid)));
    if (other != null) {
      attrs.add(new StunAttribute(StunAttribute.OTHER_ADDRESS, MappedAddress.encode(other)));
    }
    return StunMessage.of(StunClass.SUCCESS, StunMethod.BINDING, tid, attrs).encode(null, false, true);
  }

  static boolean deliver(NatProbe probe, InetSocketAddress from, byte[] b) {
    return probe.onDatagram(from, b, 0, b.length);
  }

  @Test
  void sameMappingFromBothListeners_endpointIndependent() throws Exception {
    NatProbe probe = new NatProbe(RELAY, new Random(1));
    assertThat(deliver(probe, RELAY, answer(probe, MAPPED, RELAY_OTHER))).isTrue();
    assertThat(probe.destination()).isEqualTo(RELAY_OTHER);
    assertThat(deliver(probe, RELAY_OTHER, answer(probe, MAPPED, null))).isTrue();
    assertThat(probe.done()).isTrue();
    assertThat(probe.result(LOCAL)).isEqualTo(NatClass.ENDPOINT_INDEPENDENT);
    assertThat(probe.mappedAddress()).contains(MAPPED);
  }

  @Test
  void aNewPortTowardsTheOtherListener_addressDependent() throws Exception {
    NatProbe probe = new NatProbe(RELAY, new Random(2));
    deliver(probe, RELAY, answer(probe, MAPPED, RELAY_OTHER));
    deliver(probe, RELAY_OTHER, answer(probe, new InetSocketAddress("203.0.113.2", 61234), null));
    assertThat(probe.result(LOCAL)).isEqualTo(NatClass.ADDRESS_DEPENDENT);
  }

  @Test
  void relayWithOneListener_oneStepAndOpenOnlyWhenUnNatted() throws Exception {
    NatProbe probe = new NatProbe(RELAY, new Random(3));
    deliver(probe, RELAY, answer(probe, LOCAL, null));
    assertThat(probe.done()).isTrue();
    assertThat(probe.result(LOCAL)).isEqualTo(NatClass.OPEN);
    NatProbe natted = new NatProbe(RELAY, new Random(4));
    deliver(natted, RELAY, answer(natted, MAPPED, null));
    assertThat(natted.result(LOCAL)).isEqualTo(NatClass.UNKNOWN);
  }

  @Test
  void strayAndForgedDatagrams_areIgnored() throws Exception {
    NatProbe probe = new NatProbe(RELAY, new Random(5));
    byte[] good = answer(probe, MAPPED, RELAY_OTHER);
    assertThat(deliver(probe, new InetSocketAddress("203.0.113.66", 3478), good)).as("wrong source").isFalse();
    byte[] otherTx = StunMessage.of(StunClass.SUCCESS, StunMethod.BINDING, new byte[12],
        List.of(new StunAttribute(StunAttribute.XOR_MAPPED_ADDRESS, XorAddress.encode(MAPPED, new byte[12]))))
        .encode(null, false, true);
    assertThat(deliver(probe, RELAY, otherTx)).as("another transaction").isFalse();
    assertThat(deliver(probe, RELAY, new byte[] {(byte) 0x80, 0, 1, 2})).as("RTP, not STUN").isFalse();
    byte[] req = probe.request();
    byte[] tid = StunMessage.decode(req, 0, req.length).transactionId();
    byte[] error = StunMessage.of(StunClass.ERROR, StunMethod.BINDING, tid, List.of(StunAttribute.errorCode(400, "x")))
        .encode(null, false, true);
    assertThat(deliver(probe, RELAY, error)).as("an error response").isFalse();
    byte[] truncated = java.util.Arrays.copyOf(good, good.length - 6);
    assertThat(deliver(probe, RELAY, truncated)).as("truncated").isFalse();
    assertThat(probe.mappedAddress()).isEmpty();
    assertThat(deliver(probe, RELAY, good)).isTrue();
  }

  @Test
  void retransmissionsCarryTheSameTransaction() {
    NatProbe probe = new NatProbe(RELAY, new Random(6));
    assertThat(probe.request()).isEqualTo(probe.request());
  }
}
