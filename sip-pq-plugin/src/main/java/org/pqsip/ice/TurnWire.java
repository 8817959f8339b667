package org.pqsip.ice;

import java.io.Closeable;
import java.io.IOException;

/**
 * How a {@link TurnClient} reaches its relay: UDP datagrams ({@link TurnDatagramWire}) or a TCP
 * or TLS byte stream with RFC 8656 §12.5 framing ({@link TurnStreamWire}). Either way the client
 * writes and reads whole STUN messages and ChannelData frames.
 */
interface TurnWire extends Closeable {
  /** The largest frame: a ChannelData header, 65,535 bytes of data and padding. */
  int MAX_FRAME = 4 + 0xffff + 3;

  /** Writes one STUN message or ChannelData frame (callers serialise their writes). */
  void write(byte[] b, int off, int len) throws IOException;

  /**
   * Blocks for the next STUN message or ChannelData frame from the relay and copies it to the
   * start of {@code into} (at least {@link #MAX_FRAME} long): its length. Throws
   * {@link java.net.SocketTimeoutException} after the read timeout, another IOException when the
   * wire is gone.
   */
  int read(byte[] into) throws IOException;

  /** Read timeout in milliseconds, 0 for none. */
  void readTimeout(int millis) throws IOException;

  /** Whether the wire delivers in order and without loss (TCP, TLS): then nothing is retransmitted. */
  boolean reliable();
}
