package org.pqsip.relay.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pqsip.stun.MappedAddress;
import org.pqsip.stun.StunAttribute;
import org.pqsip.stun.StunClass;
import org.pqsip.stun.StunMessage;
import org.pqsip.stun.StunMethod;
import org.pqsip.stun.XorAddress;

class BindingServiceTest {
  static final byte[] TID = HexFormat.of().parseHex("0102030405060708090a0b0c");
  final InetSocketAddress client = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40123);
  final InetSocketAddress server = new InetSocketAddress(InetAddress.getLoopbackAddress(), 3478);
  final BindingService service = new BindingService(OtherAddress.none());

  static byte[] request(List<StunAttribute> attrs) {
    return StunMessage.of(StunClass.REQUEST, StunMethod.BINDING, TID, attrs).encode(null, false, true);
  }

  @Test
  void bindingRequestGetsTheSourceAddressBack() throws Exception {
    byte[] req = request(List.of());
    byte[] resp = service.handle(client, server, req, 0, req.length).orElseThrow();
    StunMessage m = StunMessage.decode(resp, 0, resp.length);
    assertThat(m.messageClass()).isEqualTo(StunClass.SUCCESS);
    assertThat(m.transactionId()).isEqualTo(TID);
    assertThat(XorAddress.decode(m.attribute(StunAttribute.XOR_MAPPED_ADDRESS).orElseThrow().value(), TID)).isEqualTo(client);
    assertThat(m.attribute(StunAttribute.FINGERPRINT)).isPresent();
  }

  @Test
  void oneListenAddress_noOtherAddress() throws Exception {
    byte[] req = request(List.of());
    byte[] resp = service.handle(client, server, req, 0, req.length).orElseThrow();
    StunMessage m = StunMessage.decode(resp, 0, resp.length);
    assertThat(m.attribute(StunAttribute.OTHER_ADDRESS)).isEmpty();
    assertThat(m.attribute(StunAttribute.RESPONSE_ORIGIN)).isEmpty();
  }

  @Test
  void twoListenAddresses_eachNamesTheOtherAsRfc5780OtherAddress() throws Exception {
    InetSocketAddress second = new InetSocketAddress(InetAddress.getLoopbackAddress(), 3479);
    OtherAddress others = new OtherAddress(InetAddress.getLoopbackAddress());
    others.listeners(List.of(server, second));
    BindingService two = new BindingService(others);
    byte[] req = request(List.of());
    for (InetSocketAddress[] arrivedAndOther : new InetSocketAddress[][] {{server, second}, {second, server}}) {
      byte[] resp = two.handle(client, arrivedAndOther[0], req, 0, req.length).orElseThrow();
      StunMessage m = StunMessage.decode(resp, 0, resp.length);
      assertThat(MappedAddress.decode(m.attribute(StunAttribute.OTHER_ADDRESS).orElseThrow().value()))
          .isEqualTo(arrivedAndOther[1]);
      assertThat(MappedAddress.decode(m.attribute(StunAttribute.RESPONSE_ORIGIN).orElseThrow().value()))
          .isEqualTo(arrivedAndOther[0]);
      assertThat(XorAddress.decode(m.attribute(StunAttribute.XOR_MAPPED_ADDRESS).orElseThrow().value(), TID)).isEqualTo(client);
    }
  }

  @Test
  void wildcardListeners_areNamedByTheAdvertisedAddress() {
    InetAddress advertised = InetAddress.getLoopbackAddress();
    OtherAddress others = new OtherAddress(advertised);
    InetSocketAddress a = new InetSocketAddress(3478);
    InetSocketAddress b = new InetSocketAddress(3479);
    others.listeners(List.of(a, b));
    assertThat(others.otherThan(a)).contains(new InetSocketAddress(advertised, 3479));
    assertThat(others.otherThan(new InetSocketAddress(advertised, 9))).isEmpty();
  }

  @Test
  void unknownComprehensionRequiredAttributeGets420() throws Exception {
    byte[] req = request(List.of(new StunAttribute(0x0042, new byte[] {1, 2, 3, 4})));
    byte[] resp = service.handle(client, server, req, 0, req.length).orElseThrow();
    StunMessage m = StunMessage.decode(resp, 0, resp.length);
    assertThat(m.messageClass()).isEqualTo(StunClass.ERROR);
    byte[] ec = m.attribute(StunAttribute.ERROR_CODE).orElseThrow().value();
    assertThat(ec[2] * 100 + ec[3]).isEqualTo(420);
    assertThat(m.attribute(StunAttribute.UNKNOWN_ATTRIBUTES).orElseThrow().value()).containsExactly(0x00, 0x42);
  }

  @Test
  void unknownComprehensionOptionalAttributeIsIgnored() {
    byte[] req = request(List.of(new StunAttribute(0x8042, new byte[] {1})));
    assertThat(service.handle(client, server, req, 0, req.length)).isPresent();
  }

  @Test
  void garbageResponsesAndIndicationsGetNoAnswer() {
    byte[] junk = {1, 2, 3};
    assertThat(service.handle(client, server, junk, 0, junk.length)).isEmpty();
    byte[] ind = StunMessage.of(StunClass.INDICATION, StunMethod.BINDING, TID, List.of()).encode(null, false, true);
    assertThat(service.handle(client, server, ind, 0, ind.length)).isEmpty();
    byte[] resp = StunMessage.of(StunClass.SUCCESS, StunMethod.BINDING, TID, List.of()).encode(null, false, true);
    assertThat(service.handle(client, server, resp, 0, resp.length)).isEmpty();
    assertThat(service.dropped()).isEqualTo(3);
  }
}
