package org.pqsip.srtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The reveal's APP packet: written, found, and stripped from compound packets in place. */
class RtcpRevealTest {
  private static final int REVEAL = 82;

  /** SR (7 words), then the APP reveal, then an SDES-like packet of 2 words. */
  private static byte[] compound(boolean withReveal, boolean revealLast) {
    byte[] b = new byte[200];
    byte[] sr = {(byte) 0x80, (byte) 200, 0, 6, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    byte[] sdes = {(byte) 0x81, (byte) 202, 0, 1, 1, 2, 3, 4};
    int p = 0;
    System.arraycopy(sr, 0, b, p, sr.length);
    p += sr.length;
    if (!revealLast) {
      System.arraycopy(sdes, 0, b, p, sdes.length);
      p += sdes.length;
    }
    if (withReveal) {
      byte[] reveal = new byte[REVEAL];
      Arrays.fill(reveal, (byte) 0x5a);
      p = RtcpReveal.write(b, p, 0x01020304, reveal);
    }
    if (revealLast) {
      System.arraycopy(sdes, 0, b, p, sdes.length);
      p += sdes.length;
    }
    return Arrays.copyOf(b, p);
  }

  @Test
  void writtenRevealIsFoundAndStrippedWhereverItSits() {
    for (boolean last : new boolean[] {true, false}) {
      byte[] with = compound(true, last);
      assertThat(RtcpReveal.find(with, 0, with.length, REVEAL)).hasValueSatisfying(r -> assertThat(r).containsOnly(0x5a));
      int len = RtcpReveal.strip(with, 0, with.length);
      byte[] without = compound(false, false);
      assertThat(len).isEqualTo(without.length);
      assertThat(Arrays.copyOf(with, len)).isEqualTo(without);
      assertThat(RtcpReveal.find(with, 0, len, REVEAL)).isEmpty();
    }
  }

  @Test
  void aCompoundWithoutRevealOrAMalformedOneIsLeftAsItIs() {
    byte[] plain = compound(false, false);
    byte[] copy = plain.clone();
    assertThat(RtcpReveal.strip(plain, 0, plain.length)).isEqualTo(plain.length);
    assertThat(plain).isEqualTo(copy);
    byte[] broken = compound(true, true);
    broken[3] = 100; // the SR claims more than the packet holds
    byte[] brokenCopy = broken.clone();
    assertThat(RtcpReveal.strip(broken, 0, broken.length)).isEqualTo(broken.length);
    assertThat(broken).isEqualTo(brokenCopy);
  }
}
