package org.pqsip.ice;

import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * How a phone's NAT maps its UDP traffic, found by asking the relay's two listen addresses
 * (RFC 5780 OTHER-ADDRESS) for the mapped address of one socket, and signalled to the other
 * phone in SDP ({@code a=pq-nat}) because only the controlling side nominates.
 *
 * <p>Only {@link #ADDRESS_DEPENDENT} and {@link #UDP_BLOCKED} change a decision: the mappings of
 * the first differ per destination, so a server-reflexive candidate learned from the relay is
 * useless to the peer, and the second sends no UDP at all; either way the relay pair is
 * nominated as soon as it validates. The value is advisory: a signalling-path attacker who
 * rewrites it can only change which path carries the (equally protected) media.
 */
public enum NatClass {
  /** Not probed, no answer, or a word we do not know. */
  UNKNOWN("unknown"),
  /** The mapped address is our own: no NAT on the way to the relay. */
  OPEN("open"),
  /** One mapping whatever the destination ("full cone" and friends): P2P can work. */
  ENDPOINT_INDEPENDENT("endpoint-independent"),
  /** A new mapping per destination ("symmetric"): P2P through it fails. */
  ADDRESS_DEPENDENT("address-dependent"),
  /** Our UDP does not get out (the relay answered only over TCP or TLS): only the relay works. */
  UDP_BLOCKED("udp-blocked");

  /** The SDP attribute that carries it, session level. */
  public static final String SDP_ATTRIBUTE = "pq-nat";

  private final String token;

  NatClass(String token) {
    this.token = token;
  }

  public String token() {
    return token;
  }

  /** The class named by an SDP value; anything unknown (a newer word, garbage) is {@link #UNKNOWN}. */
  public static NatClass fromToken(String value) {
    String v = value == null ? "" : value.trim();
    for (NatClass c : values()) {
      if (c.token.equals(v)) {
        return c;
      }
    }
    return UNKNOWN;
  }

  /**
   * The class from what one local socket learned: its own address, the address the relay's
   * primary listen address saw, and the one its other address saw (empty when the relay has no
   * second address or it did not answer).
   */
  public static NatClass classify(InetSocketAddress local, Optional<InetSocketAddress> mappedByPrimary,
      Optional<InetSocketAddress> mappedByOther) {
    if (mappedByPrimary.isEmpty()) {
      return UNKNOWN;
    }
    InetSocketAddress primary = mappedByPrimary.get();
    if (mappedByOther.isPresent() && !mappedByOther.get().equals(primary)) {
      return ADDRESS_DEPENDENT;
    }
    if (primary.equals(local)) {
      return OPEN;
    }
    return mappedByOther.isPresent() ? ENDPOINT_INDEPENDENT : UNKNOWN;
  }

  /** Whether P2P through this NAT is not worth waiting for. */
  public boolean defeatsP2p() {
    return this == ADDRESS_DEPENDENT || this == UDP_BLOCKED;
  }
}
