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

  /** µ-law to A-law and back, byte for byte (G.711 Appendix: through the linear value). */
  private static final byte[] U_TO_A = new byte[256];
  private static final byte[] A_TO_U = new byte[256];

  static {
    for (int i = 0; i < 256; i++) {
      U_TO_A[i] = G711.linearToAlaw(G711.ulawToLinear((byte) i));
      A_TO_U[i] = G711.linearToUlaw(G711.alawToLinear((byte) i));
    }
  }

  /**
   * Rewrites {@code n} bytes of this codec's audio at {@code off} as {@code to}'s, in place
   * (a table look-up per byte; nothing allocated). The trunk gateway's legs may each have agreed
   * on a different G.711 law.
   */
  public void transcode(byte[] b, int off, int n, AudioCodec to) {
    if (to == this) {
      return;
    }
    byte[] table = this == PCMU ? U_TO_A : A_TO_U;
    for (int i = off; i < off + n; i++) {
      b[i] = table[b[i] & 0xff];
    }
  }

  public void decode(byte[] in, int off, int n, short[] pcm) {
    for (int i = 0; i < n; i++) {
      pcm[i] = this == PCMU ? G711.ulawToLinear(in[off + i]) : G711.alawToLinear(in[off + i]);
    }
  }
}
