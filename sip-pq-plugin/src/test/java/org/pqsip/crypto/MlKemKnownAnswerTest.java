package org.pqsip.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import org.bouncycastle.crypto.digests.SHAKEDigest;
import org.junit.jupiter.api.Test;
import org.pqsip.testing.Hex;
import org.pqsip.testing.ShakeRandom;

/**
 * ML-KEM-1024 against published known answers (test resource mlkem1024-kat.properties): C2SP
 * CCTV's accumulated test over 10,000 key pairs, encapsulations, and decapsulations of random
 * (invalid) ciphertexts, run through our {@link MlKem} wrapper, plus the FIPS 203 modulus-check
 * negative vectors (every value q..4095 at every coefficient position).
 */
class MlKemKnownAnswerTest {

  private static Properties kat() throws IOException {
    Properties p = new Properties();
    try (InputStream in = MlKemKnownAnswerTest.class.getResourceAsStream("/mlkem1024-kat.properties")) {
      p.load(in);
    }
    return p;
  }

  @Test
  void rngStreamMatchesTheCctvDescription() throws IOException {
    byte[] first = new byte[16];
    new ShakeRandom("").nextBytes(first);
    assertThat(Hex.of(first)).isEqualTo(kat().getProperty("cctv.rng.first16"));
  }

  @Test
  void accumulatedKnownAnswerFips203Final() throws Exception {
    Properties kat = kat();
    int n = Integer.parseInt(kat.getProperty("cctv.accumulated.count"));
    ShakeRandom rng = new ShakeRandom("");
    SHAKEDigest acc = new SHAKEDigest(128);
    byte[] randomCt = new byte[MlKem.CT_BYTES];
    for (int i = 0; i < n; i++) {
      MlKem.KeyPair kp = MlKem.generate(rng); // draws d, then z
      byte[] ek = kp.encapsulationKey();
      byte[] dk = kp.decapsulationKeyBytes();
      assertThat(dk).hasSize(MlKem.DK_BYTES);
      absorb(acc, ek);
      absorb(acc, dk);
      MlKem.Encapsulation enc = MlKem.encapsulate(ek, rng); // draws m
      absorb(acc, enc.ciphertext());
      byte[] k = enc.sharedSecret().exposeSecretBytes();
      absorb(acc, k);
      assertThat(MlKem.decapsulate(kp, enc.ciphertext()).exposeSecretBytes()).isEqualTo(k);
      rng.nextBytes(randomCt);
      absorb(acc, MlKem.decapsulate(kp, randomCt).exposeSecretBytes()); // implicit rejection
    }
    byte[] out = new byte[32];
    acc.doOutput(out, 0, 32);
    assertThat(Hex.of(out)).isEqualTo(kat.getProperty("cctv.accumulated.sha"));
  }

  @Test
  void modulusCheckRejectsEveryOutOfRangeCoefficient() {
    byte[] ek = MlKem.generate(new ShakeRandom("modulus")).encapsulationKey();
    int rejected = 0;
    for (int coeff = 0; coeff < 4 * 256; coeff++) {
      for (int v = 3329; v <= 4095; v++) {
        byte[] bad = withCoefficient(ek, coeff, v);
        assertThatThrownBy(() -> MlKem.checkEncapsulationKey(bad))
            .isInstanceOfSatisfying(
                CryptoException.class,
                e -> assertThat(e.reason()).isEqualTo(CryptoException.Reason.INVALID_PUBLIC_KEY));
        rejected++;
      }
    }
    assertThat(rejected).isEqualTo(1024 * 767);
  }

  @Test
  void modulusCheckAcceptsBoundaryValueQMinusOne() throws CryptoException {
    byte[] ek = MlKem.generate(new ShakeRandom("boundary")).encapsulationKey();
    MlKem.checkEncapsulationKey(withCoefficient(ek, 0, 3328));
    MlKem.checkEncapsulationKey(withCoefficient(ek, 1023, 3328));
  }

  @Test
  void encapsulateRefusesKeyThatFailsModulusCheck() {
    byte[] ek = withCoefficient(MlKem.generate(new ShakeRandom("x")).encapsulationKey(), 7, 4095);
    assertThatThrownBy(() -> MlKem.encapsulate(ek, new ShakeRandom("m")))
        .isInstanceOf(CryptoException.class)
        .hasMessageContaining("modulus");
  }

  @Test
  void wrongLengthsAreTypedErrors() {
    assertThatThrownBy(() -> MlKem.checkEncapsulationKey(new byte[1567]))
        .isInstanceOfSatisfying(
            CryptoException.class, e -> assertThat(e.reason()).isEqualTo(CryptoException.Reason.BAD_LENGTH));
    MlKem.KeyPair kp = MlKem.generate(new ShakeRandom("len"));
    assertThatThrownBy(() -> MlKem.decapsulate(kp, new byte[1569]))
        .isInstanceOfSatisfying(
            CryptoException.class, e -> assertThat(e.reason()).isEqualTo(CryptoException.Reason.BAD_LENGTH));
  }

  /** ByteEncode12 position {@code coeff} of t-hat set to {@code v}. */
  static byte[] withCoefficient(byte[] ek, int coeff, int v) {
    byte[] out = ek.clone();
    int i = (coeff / 2) * 3;
    if (coeff % 2 == 0) {
      out[i] = (byte) v;
      out[i + 1] = (byte) ((out[i + 1] & 0xf0) | ((v >>> 8) & 0x0f));
    } else {
      out[i + 1] = (byte) ((out[i + 1] & 0x0f) | ((v & 0x0f) << 4));
      out[i + 2] = (byte) (v >>> 4);
    }
    return out;
  }

  private static void absorb(SHAKEDigest d, byte[] b) {
    d.update(b, 0, b.length);
  }
}
