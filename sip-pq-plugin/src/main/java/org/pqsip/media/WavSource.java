package org.pqsip.media;

/** Plays a WAV file's samples in a loop. */
public final class WavSource implements AudioSource {
  private final short[] pcm;
  private int pos;

  public WavSource(short[] pcm) {
    if (pcm.length == 0) {
      throw new IllegalArgumentException("WAV file has no samples");
    }
    this.pcm = pcm;
  }

  @Override
  public void read(short[] frame) {
    for (int i = 0; i < frame.length; i++) {
      frame[i] = pcm[pos];
      pos = (pos + 1) % pcm.length;
    }
  }
}
