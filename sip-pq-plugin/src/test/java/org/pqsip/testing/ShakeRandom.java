package org.pqsip.testing;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.bouncycastle.crypto.digests.SHAKEDigest;

/**
 * A deterministic SecureRandom for tests: the output stream of SHAKE-128 over a seed. With an
 * empty seed it is the RNG of C2SP's CCTV accumulated ML-KEM test.
 */
public final class ShakeRandom extends SecureRandom {
  private static final long serialVersionUID = 1L;
  private final transient SHAKEDigest shake = new SHAKEDigest(128);

  public ShakeRandom(String seed) {
    byte[] s = seed.getBytes(StandardCharsets.UTF_8);
    shake.update(s, 0, s.length);
  }

  @Override
  public void nextBytes(byte[] bytes) {
    shake.doOutput(bytes, 0, bytes.length);
  }

  @Override
  public byte[] generateSeed(int n) {
    byte[] b = new byte[n];
    nextBytes(b);
    return b;
  }

  @Override
  public void setSeed(long seed) {
    // ignored: determinism is the point
  }

  @Override
  public void setSeed(byte[] seed) {
    // ignored: determinism is the point
  }
}
