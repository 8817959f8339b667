package org.pqsip.media;

/** ITU-T G.711 μ-law (PCMU, payload type 0) and A-law (PCMA, payload type 8), 16-bit linear in. */
public final class G711 {
  private static final int BIAS = 0x84;
  private static final int CLIP = 32635;

  private G711() {}

  public static byte linearToUlaw(short pcm) {
    int sample = pcm;
    int sign = (sample >> 8) & 0x80;
    if (sign != 0) {
      sample = -sample;
    }
    if (sample > CLIP) {
      sample = CLIP;
    }
    sample += BIAS;
    int exponent = 7;
    for (int mask = 0x4000; (sample & mask) == 0 && exponent > 0; mask >>= 1) {
      exponent--;
    }
    int mantissa = (sample >> (exponent + 3)) & 0x0f;
    return (byte) ~(sign | (exponent << 4) | mantissa);
  }

  public static short ulawToLinear(byte ulaw) {
    int u = ~ulaw & 0xff;
    int sign = u & 0x80;
    int exponent = (u >> 4) & 0x07;
    int mantissa = u & 0x0f;
    int sample = (((mantissa << 3) + BIAS) << exponent) - BIAS;
    return (short) (sign != 0 ? -sample : sample);
  }

  public static byte linearToAlaw(short pcm) {
    int sample = pcm;
    int sign = sample >= 0 ? 0x80 : 0x00;
    if (sample < 0) {
      sample = -sample - 1;
    }
    if (sample > 32767) {
      sample = 32767;
    }
    int exponent;
    int mantissa;
    if (sample < 256) {
      exponent = 0;
      mantissa = sample >> 4;
    } else {
      exponent = 7;
      for (int mask = 0x4000; (sample & mask) == 0 && exponent > 1; mask >>= 1) {
        exponent--;
      }
      mantissa = (sample >> (exponent + 3)) & 0x0f;
    }
    return (byte) ((sign | (exponent << 4) | mantissa) ^ 0x55);
  }

  public static short alawToLinear(byte alaw) {
    int a = (alaw ^ 0x55) & 0xff;
    int sign = a & 0x80;
    int exponent = (a >> 4) & 0x07;
    int mantissa = a & 0x0f;
    int sample = exponent == 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
    return (short) (sign != 0 ? sample : -sample);
  }
}
