package org.pqsip.srtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * Our AES-GCM against the known answers of the GCM specification (McGrew and Viega, test cases
 * 13, 14 and 16: AES-256, empty and whole-block text, partial last block with associated data)
 * and against the JDK's own GCM on random keys, IVs and lengths; a forged message is refused and
 * leaves the buffer untouched.
 */
class AesGcmTest {
  private static final HexFormat HEX = HexFormat.of();

  private static byte[] sealed(String key, String iv, String aad, String text) {
    byte[] a = HEX.parseHex(aad);
    byte[] p = HEX.parseHex(text);
    byte[] buf = Arrays.copyOf(p, p.length + AesGcm.TAG);
    try (AesGcm g = new AesGcm(HEX.parseHex(key))) {
      g.seal(HEX.parseHex(iv), a, 0, a.length, buf, 0, p.length);
    }
    return buf;
  }

  @Test
  void gcmSpecTestCase13_emptyTextZeroKey() {
    assertThat(HEX.formatHex(sealed("00".repeat(32), "00".repeat(12), "", "")))
        .isEqualTo("530f8afbc74536b9a963b4f1c4cb738b");
  }

  @Test
  void gcmSpecTestCase14_oneZeroBlock() {
    assertThat(HEX.formatHex(sealed("00".repeat(32), "00".repeat(12), "", "00".repeat(16))))
        .isEqualTo("cea7403d4d606b6e074ec5d3baf39d18" + "d0d1c8a799996bf0265b98b5d48ab919");
  }

  @Test
  void gcmSpecTestCase16_associatedDataAndAPartialBlock() {
    String key = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
    String text = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
    assertThat(HEX.formatHex(sealed(key, "cafebabefacedbaddecaf888", "feedfacedeadbeeffeedfacedeadbeefabaddad2", text)))
        .isEqualTo("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
            + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
            + "76fc6ece0f4e1768cddf8853bb2d551b");
  }

  @Test
  void sameAsTheJdksGcmOnRandomInputs_andOpensWhatItSealed() throws Exception {
    Random r = new Random(7714);
    for (int i = 0; i < 400; i++) {
      byte[] key = new byte[i % 3 == 0 ? 16 : 32];
      byte[] iv = new byte[12];
      byte[] aad = new byte[r.nextInt(40)];
      byte[] text = new byte[i < 200 ? i : r.nextInt(1600)]; // across the 1 KiB batch of counters
      r.nextBytes(key);
      r.nextBytes(iv);
      r.nextBytes(aad);
      r.nextBytes(text);
      Cipher jdk = Cipher.getInstance("AES/GCM/NoPadding");
      jdk.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
      jdk.updateAAD(aad);
      byte[] expected = jdk.doFinal(text);

      byte[] buf = new byte[text.length + AesGcm.TAG + 8];
      System.arraycopy(text, 0, buf, 4, text.length);
      try (AesGcm g = new AesGcm(key)) {
        g.seal(iv, aad, 0, aad.length, buf, 4, text.length);
        assertThat(Arrays.copyOfRange(buf, 4, 4 + expected.length)).as("length %d", text.length).isEqualTo(expected);
        assertThat(g.open(iv, aad, 0, aad.length, buf, 4, text.length)).isTrue();
        assertThat(Arrays.copyOfRange(buf, 4, 4 + text.length)).isEqualTo(text);
      }
    }
  }

  @Test
  void aForgedMessageIsRefusedAndLeftAsItWas() {
    Random r = new Random(1);
    byte[] key = new byte[32];
    byte[] iv = new byte[12];
    byte[] aad = new byte[12];
    byte[] buf = new byte[160 + AesGcm.TAG];
    r.nextBytes(key);
    r.nextBytes(iv);
    r.nextBytes(aad);
    r.nextBytes(buf);
    try (AesGcm g = new AesGcm(key)) {
      g.seal(iv, aad, 0, aad.length, buf, 0, 160);
      for (int bit : new int[] {0, 7, 8 * 100 + 3, 8 * 159 + 7, 8 * 160, 8 * 175 + 7}) {
        byte[] forged = buf.clone();
        forged[bit / 8] ^= (byte) (1 << (bit % 8));
        byte[] before = forged.clone();
        assertThat(g.open(iv, aad, 0, aad.length, forged, 0, 160)).as("bit %d flipped", bit).isFalse();
        assertThat(forged).isEqualTo(before);
      }
      byte[] otherAad = aad.clone();
      otherAad[11] ^= 1;
      assertThat(g.open(iv, otherAad, 0, aad.length, buf.clone(), 0, 160)).isFalse();
      byte[] otherIv = iv.clone();
      otherIv[0] ^= 1;
      assertThat(g.open(otherIv, aad, 0, aad.length, buf.clone(), 0, 160)).isFalse();
      assertThat(g.open(iv, aad, 0, aad.length, buf, 0, 160)).isTrue();
    }
  }
}
