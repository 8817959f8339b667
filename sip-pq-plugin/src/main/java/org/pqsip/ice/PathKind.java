package org.pqsip.ice;

/**
 * Which way a candidate pair carries media: straight between the two phones (host or
 * server-reflexive candidates on both ends) or through the relay (a relayed candidate on either
 * end). The same SRTP contexts protect media on both.
 */
public enum PathKind {
  P2P("p2p"),
  RELAY("relay");

  private final String token;

  PathKind(String token) {
    this.token = token;
  }

  /** The word used in events ({@code established.path}, {@code path-switch}). */
  public String token() {
    return token;
  }
}
