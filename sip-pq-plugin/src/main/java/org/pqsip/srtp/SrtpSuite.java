package org.pqsip.srtp;

import java.util.Optional;

/**
 * SRTP protection profiles this product speaks, a closed set. The two 256-bit suites are keyed
 * by pqkem; the 128-bit one exists only for SDES (RFC 4568) interop with legacy phones.
 */
public enum SrtpSuite {
  /** RFC 7714: AES-256-GCM, 16-byte tag. The default. */
  AEAD_AES_256_GCM(32, 12, 16),
  /** RFC 6188: AES-256 counter mode with an 80-bit HMAC-SHA1 tag. */
  AES_256_CM_HMAC_SHA1_80(32, 14, 10),
  /** RFC 4568/3711: AES-128 counter mode with HMAC-SHA1-80; SDES interop only. */
  AES_CM_128_HMAC_SHA1_80(16, 14, 10);

  private final int keyLength;
  private final int saltLength;
  private final int tagLength;

  SrtpSuite(int keyLength, int saltLength, int tagLength) {
    this.keyLength = keyLength;
    this.saltLength = saltLength;
    this.tagLength = tagLength;
  }

  public int keyLength() {
    return keyLength;
  }

  public int saltLength() {
    return saltLength;
  }

  /** Bytes appended to each SRTP packet (auth tag or AEAD tag). */
  public int tagLength() {
    return tagLength;
  }

  public boolean aead() {
    return this == AEAD_AES_256_GCM;
  }

  /** The RFC name, as in SDP. */
  public String wireName() {
    return name();
  }

  public static Optional<SrtpSuite> fromWireName(String name) {
    for (SrtpSuite s : values()) {
      if (s.name().equals(name)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }
}
