package org.pqsip.negotiation;

/** What protects a call's media: stated exactly, on every call. */
public enum Security {
  /** SRTP keyed by the pqkem exchange (ML-KEM-1024, with or without X25519). */
  PQ("pq"),
  /** SRTP keyed by SDES (RFC 4568): keys in the clear in the SDP, as safe as the signalling. */
  SDES("sdes"),
  /** Plain RTP: not encrypted. */
  NONE("none");

  private final String wireName;

  Security(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }
}
