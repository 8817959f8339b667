package org.pqsip.stun;

import java.net.InetSocketAddress;

/**
 * Address attributes in the clear (RFC 8489 §14.1 MAPPED-ADDRESS format), as RFC 5780 uses them
 * for OTHER-ADDRESS and RESPONSE-ORIGIN: the same family, port and address as {@link XorAddress}
 * without the XOR.
 */
public final class MappedAddress {
  private static final byte[] NO_MASK = new byte[16];

  private MappedAddress() {}

  public static byte[] encode(InetSocketAddress a) {
    return XorAddress.encode(a, 0, NO_MASK);
  }

  public static InetSocketAddress decode(byte[] v) throws StunException {
    return XorAddress.decode(v, 0, NO_MASK);
  }
}
