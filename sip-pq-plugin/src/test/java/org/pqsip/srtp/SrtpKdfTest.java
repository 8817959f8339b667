package org.pqsip.srtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The SRTP key derivation function against RFC 3711 appendix B.3 and RFC 6188 section 7.1. */
class SrtpKdfTest {
  private static final HexFormat HEX = HexFormat.of();

  private static String derive(String key, String salt, int label, int length) {
    return HEX.formatHex(SrtpKdf.derive(HEX.parseHex(key), HEX.parseHex(salt), label, length));
  }

  @Test
  void rfc3711AppendixB3_aes128() {
    String k = "e1f97a0d3e018be0d64fa32c06de4139";
    String s = "0ec675ad498afeebb6960b3aabe6";
    assertThat(derive(k, s, SrtpKdf.RTP_ENCRYPTION, 16)).isEqualTo("c61e7a93744f39ee10734afe3ff7a087");
    assertThat(derive(k, s, SrtpKdf.RTP_SALT, 14)).isEqualTo("30cbbc08863d8c85d49db34a9ae1");
    assertThat(derive(k, s, SrtpKdf.RTP_AUTH, 20)).isEqualTo("cebe321f6ff7716b6fd4ab49af256a156d38baa4");
  }

  @Test
  void rfc6188Section71_aes256() {
    String k = "f0f04914b513f2763a1b1fa130f10e2998f6f6e43e4309d1e622a0e332b9f1b6";
    String s = "3b04803de51ee7c96423ab5b78d2";
    assertThat(derive(k, s, SrtpKdf.RTP_ENCRYPTION, 32))
        .isEqualTo("5ba1064e30ec51613cad926c5a28ef731ec7fb397f70a960653caf06554cd8c4");
    assertThat(derive(k, s, SrtpKdf.RTP_SALT, 14)).isEqualTo("fa31791685ca444a9e07c6c64e93");
    assertThat(derive(k, s, SrtpKdf.RTP_AUTH, 20)).isEqualTo("fd9c32d39ed5fbb5a9dc96b30818454d1313dc05");
  }
}
