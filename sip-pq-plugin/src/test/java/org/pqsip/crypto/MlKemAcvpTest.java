package org.pqsip.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.stream.Stream;
import org.bouncycastle.crypto.digests.SHA3Digest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.pqsip.testing.Hex;

/** ML-KEM-1024 key generation against NIST ACVP vectors (test resource mlkem1024-acvp-keygen.txt). */
class MlKemAcvpTest {

  /** Hands out the given byte strings in order, exactly as FIPS 203 KeyGen draws d then z. */
  static final class Scripted extends SecureRandom {
    private static final long serialVersionUID = 1L;
    private final transient Deque<byte[]> queue = new ArrayDeque<>();

    Scripted(byte[]... parts) {
      queue.addAll(Arrays.asList(parts));
    }

    @Override
    public void nextBytes(byte[] out) {
      byte[] next = queue.removeFirst();
      assertThat(out).hasSameSizeAs(next);
      System.arraycopy(next, 0, out, 0, out.length);
    }
  }

  static Stream<org.junit.jupiter.params.provider.Arguments> vectors() throws IOException {
    try (BufferedReader r =
        new BufferedReader(
            new InputStreamReader(
                MlKemAcvpTest.class.getResourceAsStream("/mlkem1024-acvp-keygen.txt"),
                StandardCharsets.US_ASCII))) {
      return r.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).map(l -> org.junit.jupiter.params.provider.Arguments.of((Object) l.split(" "))).toList().stream();
    }
  }

  @ParameterizedTest
  @MethodSource("vectors")
  void keyGenMatchesAcvp(String[] v) {
    byte[] d = Hex.bytes(v[1]);
    byte[] z = Hex.bytes(v[2]);
    MlKem.KeyPair kp = MlKem.generate(new Scripted(d, z));
    byte[] ek = kp.encapsulationKey();
    byte[] dk = kp.decapsulationKeyBytes();
    SHA3Digest sha3 = new SHA3Digest(256);
    sha3.update(ek, 0, ek.length);
    byte[] h = new byte[32];
    sha3.doFinal(h, 0);
    assertThat(Hex.of(h)).isEqualToIgnoringCase(v[3]);
    assertThat(Hex.of(Arrays.copyOfRange(dk, dk.length - 64, dk.length))).isEqualToIgnoringCase(v[3] + v[2]);
    assertThat(Arrays.copyOfRange(dk, 1536, 1536 + MlKem.EK_BYTES)).isEqualTo(ek);
    if (v.length > 4) {
      assertThat(Hex.of(Arrays.copyOfRange(ek, ek.length - 32, ek.length))).isEqualToIgnoringCase(v[4]);
    }
  }
}
