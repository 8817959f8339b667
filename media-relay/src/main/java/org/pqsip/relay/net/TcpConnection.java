package org.pqsip.relay.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import org.pqsip.relay.alloc.Allocation;
import org.pqsip.relay.alloc.FiveTuple;

/**
 * One TURN client on TCP or TLS: its socket, the plaintext read but not yet framed, and the
 * bytes waiting to be written. Bounded both ways: a frame longer than {@link #MAX_FRAME} closes
 * the connection, and when the client does not read, further frames are dropped (media, like
 * UDP) rather than queued without limit. For TLS the JDK's SSLEngine runs on the loop's thread,
 * handshake included.
 */
final class TcpConnection {
  /** Largest frame a client may send; media frames are far smaller. */
  static final int MAX_FRAME = 8192;
  /** Pending output per connection before frames are dropped. */
  private static final int MAX_PENDING = 128 * 1024;
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  final SocketChannel channel;
  final FiveTuple tuple;
  final SSLEngine tls;
  /** Plaintext received, framed in place. */
  final ByteBuffer in;
  /** A second view of {@link #in} for handing one frame to the forwarding path without copying. */
  final ByteBuffer frame;
  /** TLS records received but not yet decrypted. */
  private final ByteBuffer netIn;
  /** Bytes for the socket not yet written (ciphertext for TLS); plain TCP allocates it only when a write is partial. */
  private ByteBuffer out;
  /** Room one wrapped frame may need beyond its plaintext (TLS record overhead), fixed at connect. */
  private final int recordSlack;
  final long openedAt;
  /** Its slot in the loop's connection budget, given back when it closes. */
  int budgetSlot = -1;
  SelectionKey key;
  Allocation allocation;

  TcpConnection(SocketChannel channel, FiveTuple tuple, SSLEngine tls, long now) {
    this.channel = channel;
    this.tuple = tuple;
    this.tls = tls;
    this.openedAt = now;
    if (tls == null) {
      this.in = ByteBuffer.allocate(MAX_FRAME * 2);
      this.netIn = null;
      this.recordSlack = 0;
    } else {
      int app = tls.getSession().getApplicationBufferSize();
      int net = tls.getSession().getPacketBufferSize();
      this.in = ByteBuffer.allocate(MAX_FRAME + app);
      this.netIn = ByteBuffer.allocate(net);
      this.out = ByteBuffer.allocate(Math.max(2 * net, MAX_PENDING / 2));
      this.recordSlack = 256 + net / 4;
    }
    this.frame = in.duplicate();
  }

  /** Reads what the socket has into {@link #in} (decrypting for TLS); false at end of stream. */
  boolean read() throws IOException {
    if (tls == null) {
      return channel.read(in) >= 0;
    }
    int n = channel.read(netIn);
    netIn.flip();
    try {
      while (netIn.hasRemaining()) {
        SSLEngineResult r = tls.unwrap(netIn, in);
        boolean wrote = handshake();
        if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
          return false;
        }
        // Underflow: a partial record, wait for more. Overflow cannot happen: netIn holds at most
        // one record's worth and in keeps an application buffer free behind any partial frame.
        if (r.getStatus() != SSLEngineResult.Status.OK || (r.bytesConsumed() == 0 && r.bytesProduced() == 0 && !wrote)) {
          break;
        }
      }
    } finally {
      netIn.compact();
    }
    return n >= 0;
  }

  /** Drives the TLS handshake as far as it goes without more input; true if it wrote anything. */
  private boolean handshake() throws IOException {
    boolean wrote = false;
    while (true) {
      switch (tls.getHandshakeStatus()) {
        case NEED_TASK -> {
          Runnable task;
          while ((task = tls.getDelegatedTask()) != null) {
            task.run();
          }
        }
        case NEED_WRAP -> {
          SSLEngineResult r = tls.wrap(EMPTY, out);
          flush();
          wrote = true;
          if (r.getStatus() != SSLEngineResult.Status.OK) {
            return wrote;
          }
        }
        default -> {
          return wrote; // NEED_UNWRAP (more input), FINISHED or NOT_HANDSHAKING
        }
      }
    }
  }

  /** Writes a frame now or queues it; false when it had to be dropped (the client is not reading). */
  boolean write(ByteBuffer f) throws IOException {
    if (tls != null) {
      if (out.remaining() < f.remaining() + recordSlack) {
        return false;
      }
      while (f.hasRemaining()) {
        SSLEngineResult r = tls.wrap(f, out);
        if (r.getStatus() != SSLEngineResult.Status.OK) {
          throw new SSLException("TLS wrap failed: " + r.getStatus());
        }
      }
      flush();
      return true;
    }
    if (out == null) {
      channel.write(f);
      if (!f.hasRemaining()) {
        return true;
      }
      out = ByteBuffer.allocate(MAX_PENDING); // the client is slow: queue, within a bound
    }
    if (f.remaining() > out.remaining()) {
      return false;
    }
    out.put(f);
    flush();
    return true;
  }

  /** Writes queued bytes; asks the selector for writability while some remain. */
  void flush() throws IOException {
    if (out == null) {
      return;
    }
    out.flip();
    channel.write(out);
    out.compact();
    boolean pending = out.position() > 0;
    if (!pending && tls == null) {
      out = null;
    }
    if (key != null && key.isValid()) {
      key.interestOps(pending ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
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
