package org.pqsip.srtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** HMAC-SHA1 against RFC 2202's test cases 1 and 2, and against the JDK's {@code Mac}, message after message. */
class HmacSha1Test {
  private static final HexFormat HEX = HexFormat.of();

  private static String mac(byte[] key, String text) {
    byte[] m = text.getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[20];
    try (HmacSha1 h = new HmacSha1(key)) {
      h.update(m, 0, m.length);
      h.finish(out, 0);
    }
    return HEX.formatHex(out);
  }

  @Test
  void rfc2202TestCases1And2() {
    assertThat(mac(HEX.parseHex("0b".repeat(20)), "Hi There")).isEqualTo("b617318655057264e28bc0b6fb378c8ef146be00");
    assertThat(mac("Jefe".getBytes(StandardCharsets.US_ASCII), "what do ya want for nothing?"))
        .isEqualTo("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  }

  @Test
  void sameAsTheJdksMac_messageAfterMessage() throws Exception {
    Random r = new Random(2104);
    byte[] key = new byte[20];
    r.nextBytes(key);
    Mac jdk = Mac.getInstance("HmacSHA1");
    jdk.init(new SecretKeySpec(key, "HmacSHA1"));
    byte[] out = new byte[24];
    try (HmacSha1 h = new HmacSha1(key)) {
      for (int i = 0; i < 100; i++) {
        byte[] m = new byte[r.nextInt(300)];
        r.nextBytes(m);
        h.update(m, 0, m.length / 2);
        h.update(m, m.length / 2, m.length - m.length / 2);
        h.finish(out, 4);
        assertThat(java.util.Arrays.copyOfRange(out, 4, 24)).isEqualTo(jdk.doFinal(m));
      }
    }
  }
}
