package org.pqsip.media;

/** A sine tone at a fixed frequency and about -6 dBFS. */
public final class ToneSource implements AudioSource {
  private final double step;
  private double phase;

  public ToneSource(double hz) {
    if (hz <= 0 || hz >= AudioCodec.SAMPLE_RATE / 2.0) {
      throw new IllegalArgumentException("tone frequency must be between 0 and 4000 Hz");
    }
    this.step = 2 * Math.PI * hz / AudioCodec.SAMPLE_RATE;
  }

  @Override
  public void read(short[] frame) {
    for (int i = 0; i < frame.length; i++) {
      frame[i] = (short) (16000 * Math.sin(phase));
      phase += step;
      if (phase > 2 * Math.PI) {
        phase -= 2 * Math.PI;
      }
    }
  }
}
