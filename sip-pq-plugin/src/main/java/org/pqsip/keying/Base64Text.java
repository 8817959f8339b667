package org.pqsip.keying;

import java.util.Base64;

/** Strict base64 (RFC 4648) decoding that reports typed errors instead of unchecked exceptions. */
public final class Base64Text {
  private Base64Text() {}

  /** Standard alphabet, padding required where the length needs it. */
  public static byte[] decode(String text, String what) throws KeyingException {
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new KeyingException(KeyingException.Reason.BAD_BASE64, what + " is not valid base64");
    }
  }

  /** URL-safe alphabet without padding. */
  public static byte[] decodeUrl(String text, String what) throws KeyingException {
    if (text.indexOf('=') >= 0) {
      throw new KeyingException(
          KeyingException.Reason.BAD_BASE64, what + " must be unpadded base64url");
    }
    try {
      return Base64.getUrlDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new KeyingException(
          KeyingException.Reason.BAD_BASE64, what + " is not valid base64url");
    }
  }

  public static String encode(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }

  public static String encodeUrl(byte[] b) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
