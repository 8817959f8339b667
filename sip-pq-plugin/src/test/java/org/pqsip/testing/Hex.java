package org.pqsip.testing;

import java.util.HexFormat;

public final class Hex {
  private Hex() {}

  public static String of(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  public static byte[] bytes(String hex) {
    return HexFormat.of().parseHex(hex);
  }
}
