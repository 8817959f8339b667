package org.pqsip.media;

import java.io.IOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.pqsip.srtp.PacketBuffer;

/**
 * One thread and one selector that read the UDP media sockets of one call (a phone) or of many
 * (the trunk gateway: every leg of every bridged call on one loop). A socket's handler gets the
 * loop's one receive buffer, with room left for the SRTP tag another leg may add; nothing is
 * allocated per packet.
 *
 * <p>Sockets are added and removed from any thread; the loop picks the change up at once.
 */
public final class MediaLoop implements AutoCloseable {
  /** Reads what is ready on one socket into {@code scratch} (the loop's buffer) and handles it. */
  public interface Handler {
    void ready(DatagramChannel channel, PacketBuffer scratch);
  }

  /** The loop reads up to this much of a datagram: the rest of the buffer is room for a tag. */
  public static final int MAX_READ = PacketBuffer.DEFAULT_CAPACITY - 64;

  private final Selector selector;
  private final java.util.function.Consumer<SelectionKey> onReady = this::ready;
  private final Thread thread;
  private final ConcurrentLinkedQueue<Runnable> changes = new ConcurrentLinkedQueue<>();
  private final PacketBuffer scratch = new PacketBuffer();
  private volatile boolean closed;

  public MediaLoop(String name) throws IOException {
    this.selector = Selector.open();
    this.thread = new Thread(this::run, name);
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /** Starts reading {@code channel} (non-blocking from now on) into {@code handler}. */
  public void register(DatagramChannel channel, Handler handler) throws IOException {
    channel.configureBlocking(false);
    onLoop(() -> {
      try {
        channel.register(selector, SelectionKey.OP_READ, handler);
      } catch (IOException | ClosedSelectorException e) {
        // closed before the loop got to it: nothing to read
      }
    });
  }

  /**
   * Stops reading {@code channels} and closes them; returns when that is done (at once on the
   * loop's own thread), so a port given back is really free.
   */
  public void closeChannels(DatagramChannel... channels) {
    Runnable close = () -> {
      for (DatagramChannel c : channels) {
        try {
          c.close(); // also cancels its key
        } catch (IOException e) {
          // closing anyway
        }
      }
      selectNow(); // deregisters the cancelled keys, which frees the ports
    };
    if (Thread.currentThread() == thread || closed) {
      close.run();
      return;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    onLoop(() -> {
      close.run();
      done.complete(null);
    });
    try {
      done.get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      close.run(); // the loop is stuck or gone: close from here
    }
  }

  private void selectNow() {
    try {
      // With the loop's handler, not the selected-key set the loop never reads (on the loop
      // thread; from elsewhere only once the loop is closed).
      selector.selectNow(onReady);
    } catch (IOException | ClosedSelectorException e) {
      // nothing more to deregister
    }
  }

  private void onLoop(Runnable change) {
    changes.add(change);
    selector.wakeup();
  }

  /** The loop's thread (benchmarks read its CPU time and allocations). */
  public Thread thread() {
    return thread;
  }

  /** Sockets being read now. */
  public int channels() {
    try {
      return selector.keys().size();
    } catch (ClosedSelectorException e) {
      return 0;
    }
  }

  private void run() {
    while (!closed) {
      try {
        selector.select(onReady); // one handler object, not a method reference made per wake-up
      } catch (IOException | ClosedSelectorException e) {
        if (closed) {
          return;
        }
      }
      for (Runnable r = changes.poll(); r != null; r = changes.poll()) {
        r.run();
      }
    }
  }

  private void ready(SelectionKey key) {
    try {
      ((Handler) key.attachment()).ready((DatagramChannel) key.channel(), scratch);
    } catch (RuntimeException e) {
      // One broken packet or handler never stops the loop the other calls share.
      Thread.UncaughtExceptionHandler h = Thread.getDefaultUncaughtExceptionHandler();
      if (h != null) {
        h.uncaughtException(thread, e);
      }
    }
  }

  /** Stops the thread and closes every socket still registered. */
  @Override
  public void close() {
    closed = true;
    selector.wakeup();
    if (Thread.currentThread() != thread) {
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      for (SelectionKey k : selector.keys()) {
        k.channel().close();
      }
      selector.close();
    } catch (IOException | ClosedSelectorException e) {
      // closing anyway
    }
    for (Runnable r = changes.poll(); r != null; r = changes.poll()) {
      r.run(); // completes waiters of closeChannels
    }
  }
}
