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
 * UDP) rather than queued without limit. For TLS the JDK's SSLEngine wraps and unwraps on the
 * loop's thread; the handshake's delegated tasks (key exchange, signature: three quarters
 * of the loop's CPU per handshake in {@code ./pq bench relay-flood}) run on a worker while the connection is parked ({@link TlsHandshakes}).
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
  /** A handshake worker holds the TLS engine ({@link TlsHandshakes}): the loop neither reads nor writes it. */
  boolean parked;

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

  /** Where a read left the connection. */
  enum Progress {
    OPEN,
    /** End of stream, or the peer closed TLS. */
    CLOSED,
    /** The TLS handshake needs its delegated tasks (the key exchange and signature) run, off the loop's thread. */
    PARKED
  }

  /** Reads what the socket has into {@link #in} (decrypting for TLS). */
  Progress read() throws IOException {
    if (tls == null) {
      return channel.read(in) >= 0 ? Progress.OPEN : Progress.CLOSED;
    }
    int n = channel.read(netIn);
    Progress p = decrypt();
    return n < 0 ? Progress.CLOSED : p;
  }

  /**
   * Decrypts the TLS records already read, driving the handshake as far as it goes; PARKED when
   * the engine asks for its delegated tasks ({@link #runTasks}, on a worker), after which the loop
   * calls this again.
   */
  Progress decrypt() throws IOException {
    netIn.flip();
    try {
      int hs = handshake();
      while (hs != PARK && netIn.hasRemaining()) {
        SSLEngineResult r = tls.unwrap(netIn, in);
        hs = handshake();
        if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
          return Progress.CLOSED;
        }
        // Underflow: a partial record, wait for more. Overflow cannot happen: netIn holds at most
        // one record's worth and in keeps an application buffer free behind any partial frame.
        if (r.getStatus() != SSLEngineResult.Status.OK || (r.bytesConsumed() == 0 && r.bytesProduced() == 0 && hs == IDLE)) {
          break;
        }
      }
      return hs == PARK ? Progress.PARKED : Progress.OPEN;
    } finally {
      netIn.compact();
    }
  }

  private static final int IDLE = 0;
  private static final int WROTE = 1;
  private static final int PARK = 2;

  /** Drives the TLS handshake as far as it goes without more input: IDLE, WROTE (a handshake record) or PARK. */
  private int handshake() throws IOException {
    int done = IDLE;
    while (true) {
      switch (tls.getHandshakeStatus()) {
        case NEED_TASK -> {
          return PARK;
        }
        case NEED_WRAP -> {
          SSLEngineResult r = tls.wrap(EMPTY, out);
          flush();
          done = WROTE;
          if (r.getStatus() != SSLEngineResult.Status.OK) {
            return done;
          }
        }
        default -> {
          return done; // NEED_UNWRAP (more input), FINISHED or NOT_HANDSHAKING
        }
      }
    }
  }

  /**
   * The TLS engine's delegated tasks, on a handshake worker while the loop leaves this connection
   * alone (parked: no reads, no writes); false if one failed (the loop then closes the connection).
   */
  boolean runTasks() {
    try {
      Runnable task;
      while ((task = tls.getDelegatedTask()) != null) {
        task.run();
      }
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Writes a frame now or queues it; false when it had to be dropped (the client is not reading). */
  boolean write(ByteBuffer f) throws IOException {
    if (parked) {
      return false; // a worker holds the TLS engine: no frame can be wrapped now
    }
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
