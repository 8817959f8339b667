package org.pqsip.keying;

import java.util.List;
import java.util.Objects;
import org.pqsip.crypto.KemAlgorithm;
import org.pqsip.srtp.SrtpSuite;

/**
 * The keying part's one configuration record, validated when built. The launcher and the OSGi
 * component both build this same record.
 *
 * @param policy require / prefer / off
 * @param kem the algorithm we offer; {@link KemAlgorithm#MLKEM1024} is the FIPS-only mode, in
 *     which we also refuse to answer hybrid offers
 * @param srtpSuites pqkem SRTP suites in order of preference (256-bit suites only)
 * @param sdes also offer and accept SDES {@code a=crypto} (policy {@code prefer}/{@code off} only)
 * @param refuseOnMismatch end the call when continuity reports {@code mismatch}
 * @param device this device's id
 */
public record KeyingConfig(
    Policy policy,
    KemAlgorithm kem,
    List<SrtpSuite> srtpSuites,
    boolean sdes,
    boolean refuseOnMismatch,
    DeviceId device) {

  public KeyingConfig {
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(kem, "kem");
    Objects.requireNonNull(device, "device");
    srtpSuites = List.copyOf(srtpSuites);
    if (srtpSuites.isEmpty()) {
      throw new IllegalArgumentException("srtpSuites must not be empty");
    }
    if (srtpSuites.contains(SrtpSuite.AES_CM_128_HMAC_SHA1_80)) {
      throw new IllegalArgumentException("pqkem keys only 256-bit SRTP suites");
    }
    if (srtpSuites.stream().distinct().count() != srtpSuites.size()) {
      throw new IllegalArgumentException("srtpSuites must not repeat a suite");
    }
    if (sdes && policy == Policy.REQUIRE) {
      throw new IllegalArgumentException("policy require allows pqkem only, not SDES");
    }
  }

  /** Hybrid ML-KEM-1024 + X25519, AES-256-GCM first, no SDES. */
  public static KeyingConfig defaults(Policy policy, DeviceId device) {
    return new KeyingConfig(
        policy,
        KemAlgorithm.MLKEM1024_X25519,
        List.of(SrtpSuite.AEAD_AES_256_GCM, SrtpSuite.AES_256_CM_HMAC_SHA1_80),
        false,
        false,
        device);
  }

  public KeyingConfig withPolicy(Policy p) {
    return new KeyingConfig(p, kem, srtpSuites, sdes && p != Policy.REQUIRE, refuseOnMismatch, device);
  }

  public KeyingConfig withSdes(boolean on) {
    return new KeyingConfig(policy, kem, srtpSuites, on, refuseOnMismatch, device);
  }

  public KeyingConfig withKem(KemAlgorithm k) {
    return new KeyingConfig(policy, k, srtpSuites, sdes, refuseOnMismatch, device);
  }

  public KeyingConfig withRefuseOnMismatch(boolean on) {
    return new KeyingConfig(policy, kem, srtpSuites, sdes, on, device);
  }

  /** Whether we answer an offer made with {@code offered}. */
  boolean accepts(KemAlgorithm offered) {
    return kem.hybrid() || offered == kem;
  }
}
