package org.pqsip.keying;

/**
 * Renders the short authentication string: the first 20 bits of the SAS hash as four characters
 * of the z-base-32 alphabet that ZRTP uses (RFC 6189 §5.1.6), chosen to be easy to read aloud.
 */
public final class Sas {
  static final String ALPHABET = "ybndrfg8ejkmcpqxot1uwisza345h769";

  private Sas() {}

  public static String render(byte[] sasHash) {
    int bits = ((sasHash[0] & 0xff) << 12) | ((sasHash[1] & 0xff) << 4) | ((sasHash[2] & 0xff) >>> 4);
    char[] out = new char[4];
    for (int i = 0; i < 4; i++) {
      out[i] = ALPHABET.charAt((bits >>> (15 - 5 * i)) & 0x1f);
    }
    return new String(out);
  }
}
