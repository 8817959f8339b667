package org.pqsip.stun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class StunMessageTest {
  /** RFC 5769 §2.2/§2.3: transaction id of the sample responses. */
  static final byte[] TID = HexFormat.of().parseHex("b7e7a701bc34d686fa87dfae");

  @Test
  void xorAddressMatchesRfc5769SampleIpv4Response() throws Exception {
    InetSocketAddress a = new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 32853);
    byte[] v = XorAddress.encode(a, TID);
    assertThat(HexFormat.of().formatHex(v)).isEqualTo("0001a147e112a643");
    assertThat(XorAddress.decode(v, TID)).isEqualTo(a);
  }

  @Test
  void xorAddressMatchesRfc5769SampleIpv6Response() throws Exception {
    InetSocketAddress a = new InetSocketAddress(InetAddress.getByName("2001:db8:1234:5678:11:2233:4455:6677"), 32853);
    byte[] v = XorAddress.encode(a, TID);
    assertThat(HexFormat.of().formatHex(v)).isEqualTo("0002a1470113a9faa5d3f179bc25f4b5bed2b9d9");
    assertThat(XorAddress.decode(v, TID)).isEqualTo(a);
  }

  @Test
  void messageTypesInterleaveClassAndMethodBits() {
    assertThat(StunMethod.type(StunMethod.BINDING, StunClass.REQUEST)).isEqualTo(0x0001);
    assertThat(StunMethod.type(StunMethod.BINDING, StunClass.SUCCESS)).isEqualTo(0x0101);
    assertThat(StunMethod.type(StunMethod.BINDING, StunClass.ERROR)).isEqualTo(0x0111);
    assertThat(StunMethod.type(StunMethod.ALLOCATE, StunClass.REQUEST)).isEqualTo(0x0003);
    assertThat(StunMethod.type(StunMethod.CHANNEL_BIND, StunClass.SUCCESS)).isEqualTo(0x0109);
    assertThat(StunMethod.type(StunMethod.DATA, StunClass.INDICATION)).isEqualTo(0x0017);
    for (int m = 0; m < 0x1000; m++) {
      for (StunClass c : StunClass.values()) {
        int t = StunMethod.type(m, c);
        assertThat(StunMethod.method(t)).isEqualTo(m);
        assertThat(StunClass.of(t)).isEqualTo(c);
      }
    }
  }

  static StunMessage sample() {
    return StunMessage.of(StunClass.REQUEST, StunMethod.ALLOCATE, TID, List.of(
        new StunAttribute(StunAttribute.USERNAME, "1700000000:tok".getBytes(StandardCharsets.UTF_8)),
        new StunAttribute(StunAttribute.REQUESTED_TRANSPORT, new byte[] {17, 0, 0, 0})));
  }

  @Test
  void roundTripWithIntegrityAndFingerprint() throws Exception {
    byte[] key = "long-term key".getBytes(StandardCharsets.UTF_8);
    for (boolean sha256 : new boolean[] {false, true}) {
      byte[] wire = sample().encode(key, sha256, true);
      StunMessage back = StunMessage.decode(wire, 0, wire.length);
      assertThat(back.method()).isEqualTo(StunMethod.ALLOCATE);
      assertThat(back.messageClass()).isEqualTo(StunClass.REQUEST);
      assertThat(back.transactionId()).isEqualTo(TID);
      assertThat(back.attribute(StunAttribute.USERNAME)).get().extracting(a -> new String(a.value(), StandardCharsets.UTF_8)).isEqualTo("1700000000:tok");
      assertThat(back.integrityValid(key)).isTrue();
      assertThat(back.integrityValid("wrong".getBytes(StandardCharsets.UTF_8))).isFalse();
    }
  }

  @Test
  void tamperedMessageFailsFingerprintOrIntegrity() throws Exception {
    byte[] key = "k".getBytes(StandardCharsets.UTF_8);
    byte[] wire = sample().encode(key, false, true);
    wire[25] ^= 1; // inside USERNAME
    assertThatThrownBy(() -> StunMessage.decode(wire, 0, wire.length)).isInstanceOf(StunException.class).hasMessageContaining("FINGERPRINT");
    byte[] noFp = sample().encode(key, false, false);
    noFp[25] ^= 1;
    assertThat(StunMessage.decode(noFp, 0, noFp.length).integrityValid(key)).isFalse();
  }

  @Test
  void malformedHeadersAreStunExceptions() {
    byte[] ok = sample().encode(null, false, true);
    assertThatThrownBy(() -> StunMessage.decode(ok, 0, 19)).isInstanceOf(StunException.class);
    assertThatThrownBy(() -> StunMessage.decode(ok, 0, ok.length - 4)).isInstanceOf(StunException.class);
    byte[] badCookie = ok.clone();
    badCookie[4] = 0;
    assertThatThrownBy(() -> StunMessage.decode(badCookie, 0, badCookie.length)).isInstanceOf(StunException.class);
    byte[] topBits = ok.clone();
    topBits[0] |= 0x40;
    assertThatThrownBy(() -> StunMessage.decode(topBits, 0, topBits.length)).isInstanceOf(StunException.class);
    byte[] overrun = ok.clone();
    overrun[22] = 0x7f; // first attribute's length points past the end
    assertThatThrownBy(() -> StunMessage.decode(overrun, 0, overrun.length)).isInstanceOf(StunException.class);
  }

  @Property(tries = 2000)
  void randomBytesNeverThrowUnchecked(@ForAll @Size(max = 200) byte[] junk, @ForAll boolean withCookie) {
    if (withCookie && junk.length >= 8) {
      junk[0] &= 0x3f;
      junk[4] = 0x21;
      junk[5] = 0x12;
      junk[6] = (byte) 0xa4;
      junk[7] = 0x42;
    }
    assertThatCode(() -> {
      try {
        StunMessage.decode(junk, 0, junk.length).integrityValid(new byte[] {1});
      } catch (StunException expected) {
        // fine
      }
    }).doesNotThrowAnyException();
  }

  @Property(tries = 500)
  void mutatedValidMessagesNeverThrowUnchecked(@ForAll @IntRange(min = 0, max = 1000) int pos, @ForAll byte flip, @ForAll @IntRange(min = 0, max = 80) int cut) {
    byte[] wire = sample().encode("k".getBytes(StandardCharsets.UTF_8), true, true);
    wire[pos % wire.length] ^= flip;
    int len = Math.max(0, wire.length - cut);
    assertThatCode(() -> {
      try {
        StunMessage.decode(wire, 0, len);
      } catch (StunException expected) {
        // fine
      }
    }).doesNotThrowAnyException();
  }
}
