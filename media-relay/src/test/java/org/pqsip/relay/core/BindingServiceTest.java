package org.pqsip.relay.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pqsip.stun.StunAttribute;
import org.pqsip.stun.StunClass;
import org.pqsip.stun.StunMessage;
import org.pqsip.stun.StunMethod;
import org.pqsip.stun.XorAddress;

class BindingServiceTest {
  static final byte[] TID = HexFormat.of().parseHex("0102030405060708090a0b0c");
  final InetSocketAddress client = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40123);
  final BindingService service = new BindingService();

  static byte[] request(List<StunAttribute> attrs) {
    return StunMessage.of(StunClass.REQUEST, StunMethod.BINDING, TID, attrs).encode(null, false, true);
  }

  @Test
  void bindingRequestGetsTheSourceAddressBack() throws Exception {
    byte[] req = request(List.of());
    byte[] resp = service.handle(client, req, 0, req.length).orElseThrow();
    StunMessage m = StunMessage.decode(resp, 0, resp.length);
    assertThat(m.messageClass()).isEqualTo(StunClass.SUCCESS);
    assertThat(m.transactionId()).isEqualTo(TID);
    assertThat(XorAddress.decode(m.attribute(StunAttribute.XOR_MAPPED_ADDRESS).orElseThrow().value(), TID)).isEqualTo(client);
    assertThat(m.attribute(StunAttribute.FINGERPRINT)).isPresent();
  }

  @Test
  void unknownComprehensionRequiredAttributeGets420() throws Exception {
    byte[] req = request(List.of(new StunAttribute(0x0042, new byte[] {1, 2, 3, 4})));
    byte[] resp = service.handle(client, req, 0, req.length).orElseThrow();
    StunMessage m = StunMessage.decode(resp, 0, resp.length);
    assertThat(m.messageClass()).isEqualTo(StunClass.ERROR);
    byte[] ec = m.attribute(StunAttribute.ERROR_CODE).orElseThrow().value();
    assertThat(ec[2] * 100 + ec[3]).isEqualTo(420);
    assertThat(m.attribute(StunAttribute.UNKNOWN_ATTRIBUTES).orElseThrow().value()).containsExactly(0x00, 0x42);
  }

  @Test
  void unknownComprehensionOptionalAttributeIsIgnored() {
    byte[] req = request(List.of(new StunAttribute(0x8042, new byte[] {1})));
    assertThat(service.handle(client, req, 0, req.length)).isPresent();
  }

  @Test
  void garbageResponsesAndIndicationsGetNoAnswer() {
    byte[] junk = {1, 2, 3};
    assertThat(service.handle(client, junk, 0, junk.length)).isEmpty();
    byte[] ind = StunMessage.of(StunClass.INDICATION, StunMethod.BINDING, TID, List.of()).encode(null, false, true);
    assertThat(service.handle(client, ind, 0, ind.length)).isEmpty();
    byte[] resp = StunMessage.of(StunClass.SUCCESS, StunMethod.BINDING, TID, List.of()).encode(null, false, true);
    assertThat(service.handle(client, resp, 0, resp.length)).isEmpty();
    assertThat(service.dropped()).isEqualTo(3);
  }
}
