package org.pqsip.stun;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Frame boundaries on TCP/TLS: STUN by its length field, ChannelData padded to four. */
class StreamFramingTest {
  static int len(int max, int... bytes) {
    ByteBuffer b = ByteBuffer.allocate(bytes.length);
    for (int x : bytes) {
      b.put((byte) x);
    }
    return StreamFraming.frameLength(b, 0, bytes.length, max);
  }

  @Test
  void channelDataIsPaddedToFourBytes() {
    assertThat(len(100, 0x40, 0x00, 0x00, 0x05, 1, 2, 3, 4, 5, 0, 0, 0)).isEqualTo(12);
    assertThat(len(100, 0x40, 0x00, 0x00, 0x05, 1, 2, 3, 4, 5)).as("padding not here yet").isEqualTo(StreamFraming.INCOMPLETE);
    assertThat(len(100, 0x40, 0x00, 0x00, 0x00)).isEqualTo(4);
  }

  @Test
  void stunIsHeaderPlusLength() {
    int[] header = {0x00, 0x01, 0x00, 0x04, 0x21, 0x12, 0xA4, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 9, 9, 9};
    assertThat(len(100, header)).isEqualTo(24);
    assertThat(len(100, 0x00, 0x01, 0x00, 0x04, 0x21)).isEqualTo(StreamFraming.INCOMPLETE);
  }

  @Test
  void truncatedGarbageAndOversizedFrames() {
    assertThat(len(100, 0x00, 0x01)).isEqualTo(StreamFraming.INCOMPLETE);
    assertThat(len(100, 0x80, 0, 0, 0)).as("top bits 10").isEqualTo(StreamFraming.INVALID);
    assertThat(len(100, 0xC0, 0, 0, 0)).as("top bits 11").isEqualTo(StreamFraming.INVALID);
    assertThat(len(100, 0x00, 0x01, 0x00, 0x03)).as("STUN length not a multiple of 4").isEqualTo(StreamFraming.INVALID);
    assertThat(len(100, 0x40, 0x00, 0xff, 0xff)).as("longer than the connection may buffer").isEqualTo(StreamFraming.INVALID);
  }
}
