package org.pqsip.srtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The AES counter-mode key stream against RFC 3711 appendix B.2. */
class AesCtrTest {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void rfc3711AppendixB2_keystream() {
    byte[] stream = new byte[48];
    try (AesCtr aes = new AesCtr(HEX.parseHex("2b7e151628aed2a6abf7158809cf4f3c"))) {
      aes.xor(HEX.parseHex("f0f1f2f3f4f5f6f7f8f9fafbfcfd0000"), stream, 0, 48);
    }
    assertThat(HEX.formatHex(stream)).isEqualTo("e03ead0935c95e80e166b16dd92b4eb4"
        + "d23513162b02d0f72a43a2fe4a5f97ab" + "41e95b3bb0a2e8dd477901e4fca894c0");
  }

  @Test
  void aCounterThatWrapsItsLastFourBytesGoesOnModulo2To32() {
    byte[] first = HEX.parseHex("000102030405060708090a0bffffffff");
    byte[] second = HEX.parseHex("000102030405060708090a0b00000000");
    byte[] two = new byte[32];
    byte[] one = new byte[16];
    try (AesCtr aes = new AesCtr(new byte[16])) {
      aes.xor(first, two, 0, 32);
      aes.xor(second, one, 0, 16);
    }
    assertThat(java.util.Arrays.copyOfRange(two, 16, 32)).isEqualTo(one);
  }
}
