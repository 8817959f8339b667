package org.pqsip.keying;

import java.security.SecureRandom;
import java.util.Arrays;

/**
 * A device's 128-bit random identifier, carried in pqkem attributes. It is a claim, not a proof:
 * continuity (retained secrets) and the SAS are what authenticate it.
 */
public final class DeviceId {
  public static final int BYTES = 16;
  private final byte[] bytes;

  private DeviceId(byte[] bytes) {
    this.bytes = bytes;
  }

  public static DeviceId random(SecureRandom random) {
    byte[] b = new byte[BYTES];
    random.nextBytes(b);
    return new DeviceId(b);
  }

  public static DeviceId of(byte[] bytes) throws KeyingException {
    if (bytes.length != BYTES) {
      throw new KeyingException(
          KeyingException.Reason.BAD_LENGTH, "device id must be " + BYTES + " bytes");
    }
    return new DeviceId(bytes.clone());
  }

  /** Parses the unpadded base64url text form. */
  public static DeviceId parse(String text) throws KeyingException {
    return of(Base64Text.decodeUrl(text, "device id"));
  }

  public byte[] bytes() {
    return bytes.clone();
  }

  public String text() {
    return Base64Text.encodeUrl(bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DeviceId d && Arrays.equals(bytes, d.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "DeviceId[" + text() + "]";
  }
}
