package org.pqsip.stun;

import java.util.Arrays;

/**
 * One attribute: its type and value bytes. Attribute type numbers of RFC 8489 and RFC 8656
 * are constants here, one place for all of them.
 */
public record StunAttribute(int type, byte[] value) {
  public static final int MAPPED_ADDRESS = 0x0001;
  public static final int USERNAME = 0x0006;
  public static final int MESSAGE_INTEGRITY = 0x0008;
  public static final int ERROR_CODE = 0x0009;
  public static final int UNKNOWN_ATTRIBUTES = 0x000A;
  public static final int CHANNEL_NUMBER = 0x000C;
  public static final int LIFETIME = 0x000D;
  public static final int XOR_PEER_ADDRESS = 0x0012;
  public static final int DATA = 0x0013;
  public static final int REALM = 0x0014;
  public static final int NONCE = 0x0015;
  public static final int XOR_RELAYED_ADDRESS = 0x0016;
  public static final int REQUESTED_ADDRESS_FAMILY = 0x0017;
  public static final int EVEN_PORT = 0x0018;
  public static final int REQUESTED_TRANSPORT = 0x0019;
  public static final int MESSAGE_INTEGRITY_SHA256 = 0x001C;
  public static final int PASSWORD_ALGORITHM = 0x001D;
  public static final int USERHASH = 0x001E;
  public static final int XOR_MAPPED_ADDRESS = 0x0020;
  public static final int RESPONSE_ORIGIN = 0x802B;
  public static final int OTHER_ADDRESS = 0x802C;
  public static final int FINGERPRINT = 0x8028;

  public StunAttribute {
    value = value.clone();
  }

  /** ERROR-CODE (RFC 8489 §14.8): class and number, then the reason phrase. */
  public static StunAttribute errorCode(int code, String reason) {
    byte[] phrase = reason.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] ec = new byte[4 + phrase.length];
    ec[2] = (byte) (code / 100);
    ec[3] = (byte) (code % 100);
    System.arraycopy(phrase, 0, ec, 4, phrase.length);
    return new StunAttribute(ERROR_CODE, ec);
  }

  @Override
  public byte[] value() {
    return value.clone();
  }

  int length() {
    return value.length;
  }

  /** Comprehension-required attributes are 0x0000-0x7FFF (RFC 8489 §14). */
  public boolean comprehensionRequired() {
    return type < 0x8000;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StunAttribute a && a.type == type && Arrays.equals(a.value, value);
  }

  @Override
  public int hashCode() {
    return type * 31 + Arrays.hashCode(value);
  }

  @Override
  public String toString() {
    return "StunAttribute[0x" + Integer.toHexString(type) + ", " + value.length + " bytes]";
  }
}
