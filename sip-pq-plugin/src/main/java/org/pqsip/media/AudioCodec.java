package org.pqsip.media;

import java.util.Optional;

/** The audio codecs the phone speaks: G.711 at 8 kHz, 20 ms frames of 160 samples. */
public enum AudioCodec {
  PCMU(0),
  PCMA(8);

  public static final int SAMPLE_RATE = 8000;
  public static final int FRAME_SAMPLES = 160;

  private final int payloadType;

  AudioCodec(int payloadType) {
    this.payloadType = payloadType;
  }

  public int payloadType() {
    return payloadType;
  }

  public static Optional<AudioCodec> forPayloadType(int pt) {
    for (AudioCodec c : values()) {
      if (c.payloadType == pt) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  /** Encodes {@code n} samples into {@code out} at {@code off}. */
  public void encode(short[] pcm, int n, byte[] out, int off) {
    for (int i = 0; i < n; i++) {
      out[off + i] = this == PCMU ? G711.linearToUlaw(pcm[i]) : G711.linearToAlaw(pcm[i]);
    }
  }

  public void decode(byte[] in, int off, int n, short[] pcm) {
    for (int i = 0; i < n; i++) {
      pcm[i] = this == PCMU ? G711.ulawToLinear(in[off + i]) : G711.alawToLinear(in[off + i]);
    }
  }
}
