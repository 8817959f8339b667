package org.pqsip.stun;

import java.nio.ByteBuffer;

/**
 * Message boundaries in a TURN byte stream (TCP or TLS, RFC 8656 §12.5): a STUN message is its
 * 20-byte header plus the length field; ChannelData is 4 bytes plus its length, padded to four.
 * Sans-IO and allocation-free: it looks at bytes in the caller's buffer.
 */
public final class StreamFraming {
  /** The next frame is not complete yet: read more. */
  public static final int INCOMPLETE = -1;
  /** The bytes cannot start a STUN or ChannelData frame: the stream is garbage, close it. */
  public static final int INVALID = -2;

  private StreamFraming() {}

  /**
   * The length of the frame at {@code buf[start, end)}, {@link #INCOMPLETE} or {@link #INVALID};
   * frames longer than {@code maxFrame} are invalid (a connection may not pin large buffers).
   */
  public static int frameLength(ByteBuffer buf, int start, int end, int maxFrame) {
    if (end - start < 4) {
      return INCOMPLETE;
    }
    int top = buf.get(start) & 0xc0;
    int len = buf.getShort(start + 2) & 0xffff;
    int frame;
    if (top == 0x40) {
      frame = 4 + ((len + 3) & ~3);
    } else if (top == 0) {
      if ((len & 3) != 0) {
        return INVALID;
      }
      frame = StunMessage.HEADER + len;
    } else {
      return INVALID;
    }
    if (frame > maxFrame) {
      return INVALID;
    }
    return end - start >= frame ? frame : INCOMPLETE;
  }
}
