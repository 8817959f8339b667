package org.pqsip.media;

/** Produces 8 kHz 16-bit mono audio, one frame at a time. */
public interface AudioSource {
  /** Fills {@code frame} completely; sources that run out loop or send silence. */
  void read(short[] frame);
}
