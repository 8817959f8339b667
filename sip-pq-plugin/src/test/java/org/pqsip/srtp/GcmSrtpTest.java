package org.pqsip.srtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Our RFC 7714 SRTP against the RFC's own RTP test vectors (section 16.1, AES-128 and AES-256),
 * and RFC 3711's index estimate. Every suite against jitsi-srtp: {@link SrtpSuitesTest}.
 */
class GcmSrtpTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final String GALLIA = "8040f17b8041f8d35501a0b2"
      + "47616c6c696120657374206f6d6e697320646976697361" + "20696e20706172746573207472" + "6573";
  private static final String SALT = "517569642070726f2071756f";

  private static String protect(String sessionKey, String packet) {
    byte[] key = HEX.parseHex(sessionKey);
    byte[] salt = HEX.parseHex(SALT);
    try (GcmSrtp s = new GcmSrtp(key, salt, key, salt)) {
      PacketBuffer p = new PacketBuffer().set(HEX.parseHex(packet), 0, packet.length() / 2);
      assertThat(s.protectRtp(p)).isEqualTo(SrtpResult.OK);
      String out = HEX.formatHex(p.toByteArray());
      assertThat(s.unprotectRtp(p)).isEqualTo(SrtpResult.OK);
      assertThat(HEX.formatHex(p.toByteArray())).isEqualTo(packet);
      return out;
    }
  }

  @Test
  void rfc7714Section16_aes256() {
    assertThat(protect("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", GALLIA))
        .isEqualTo("8040f17b8041f8d35501a0b232b1de78a822fe12ef9f78fa332e33aab1801238"
            + "9a58e2f3b50b2a0276ffae0f1ba63799b87b7aa3db36dfffd6b0f9bb7878d7a76c13");
  }

  @Test
  void rfc7714Section16_aes128() {
    assertThat(protect("000102030405060708090a0b0c0d0e0f", GALLIA))
        .isEqualTo("8040f17b8041f8d35501a0b2f24de3a3fb34de6cacba861c9d7e4bcabe633bd5"
            + "0d294e6f42a5f47a51c7d19b36de3adf8833899d7f27beb16a9152cf765ee4390cce");
  }





  @Test
  void indexEstimate_followsRolloversBothWays() {
    assertThat(SrtpPackets.estimate(5, -1)).isEqualTo(5);
    assertThat(SrtpPackets.estimate(2, 65_530)).as("wrapped forward").isEqualTo(65_538);
    assertThat(SrtpPackets.estimate(65_530, 65_538)).as("late, from before the wrap").isEqualTo(65_530);
    assertThat(SrtpPackets.estimate(65_530, 4)).as("before the stream's first period").isNegative();
    assertThat(SrtpPackets.estimate(40_000, 10_000)).isEqualTo(40_000);
  }


}
