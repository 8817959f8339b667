package org.pqsip.testing;

/** Goertzel power of one frequency in 8 kHz PCM: enough to tell a 440 Hz tone from anything else. */
public final class ToneCheck {
  private ToneCheck() {}

  public static double power(short[] pcm, int from, int to, double hz) {
    double w = 2 * Math.PI * hz / 8000;
    double coeff = 2 * Math.cos(w);
    double s1 = 0;
    double s2 = 0;
    for (int i = from; i < to; i++) {
      double s = pcm[i] + coeff * s1 - s2;
      s2 = s1;
      s1 = s;
    }
    return s1 * s1 + s2 * s2 - coeff * s1 * s2;
  }

  /** True if {@code hz} dominates 300..3400 Hz in the middle second of the recording. */
  public static boolean dominates(short[] pcm, double hz) {
    if (pcm.length < 8000) {
      return false;
    }
    int from = Math.max(0, pcm.length / 2 - 4000);
    int to = from + 8000;
    double target = power(pcm, from, to, hz);
    for (double f = 300; f <= 3400; f += 100) {
      if (Math.abs(f - hz) > 60 && power(pcm, from, to, f) * 20 > target) {
        return false;
      }
    }
    return target > 1e9;
  }
}
