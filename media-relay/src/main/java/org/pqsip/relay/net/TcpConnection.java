package org.pqsip.relay.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import org.pqsip.relay.alloc.Allocation;
import org.pqsip.relay.alloc.FiveTuple;

/**
 * One TURN client on TCP: its socket, the bytes read but not yet framed, and the bytes waiting
 * to be written. Bounded both ways: a frame longer than the read buffer closes the connection,
 * and when the peer does not read, further frames are dropped (media, like UDP) rather than
 * queued without limit.
 */
final class TcpConnection {
  /** Largest frame a TCP client may send; media frames are far smaller. */
  static final int MAX_FRAME = 8192;
  private static final int WRITE_BUFFER = 128 * 1024; // holds any one frame, so a partial write never tears one

  final SocketChannel channel;
  final FiveTuple tuple;
  final ByteBuffer in = ByteBuffer.allocate(MAX_FRAME * 2);
  /** A second view of {@link #in} for handing one frame to the forwarding path without copying. */
  final ByteBuffer frame = in.duplicate();
  private final ByteBuffer out = ByteBuffer.allocateDirect(WRITE_BUFFER);
  final long openedAt;
  SelectionKey key;
  Allocation allocation;

  TcpConnection(SocketChannel channel, FiveTuple tuple, long now) {
    this.channel = channel;
    this.tuple = tuple;
    this.openedAt = now;
  }

  /** Writes a frame now or queues it; false when it had to be dropped (the client is not reading). */
  boolean write(ByteBuffer frame) throws IOException {
    if (out.position() == 0) {
      channel.write(frame);
      if (!frame.hasRemaining()) {
        return true;
      }
    }
    if (frame.remaining() > out.remaining()) {
      return false;
    }
    out.put(frame);
    key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
    return true;
  }

  /** The socket is writable again: flushes what was queued. */
  void flush() throws IOException {
    out.flip();
    channel.write(out);
    out.compact();
    if (out.position() == 0) {
      key.interestOps(SelectionKey.OP_READ);
    }
  }

  void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
