package org.pqsip.gateway;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.pqsip.srtp.PacketBuffer;
import org.pqsip.srtp.SrtpResult;
import org.pqsip.srtp.SrtpStream;

/**
 * The trunk gateway's media path: one thread and one selector carry the packets of many bridged
 * calls. Each call has two UDP sockets, one per leg, each connected to that leg's peer (so no
 * source address is looked at or made per packet); a packet read on one is re-protected
 * ({@link Reprotect}) in the thread's one buffer and written to the other. After warm-up nothing
 * is allocated per packet (the benchmark measures it).
 *
 * <p>Calls are added and removed from any thread; the loop picks the change up at once.
 */
public final class MediaBridge implements AutoCloseable {
  /** One bridged call: leg A's socket and SRTP (null: plain), leg B's. */
  public static final class Bridge {
    final DatagramChannel a;
    final DatagramChannel b;
    final SrtpStream srtpA;
    final SrtpStream srtpB;
    /** Told of the pqkem reveals in leg A's RTCP (leg A is the pqkem leg), or null. */
    final java.util.function.Consumer<byte[]> revealsFromA;
    private SelectionKey keyA;
    private SelectionKey keyB;

    private Bridge(DatagramChannel a, DatagramChannel b, SrtpStream srtpA, SrtpStream srtpB,
        java.util.function.Consumer<byte[]> revealsFromA) {
      this.a = a;
      this.b = b;
      this.srtpA = srtpA;
      this.srtpB = srtpB;
      this.revealsFromA = revealsFromA;
    }

    public InetSocketAddress localA() throws IOException {
      return (InetSocketAddress) a.getLocalAddress();
    }

    public InetSocketAddress localB() throws IOException {
      return (InetSocketAddress) b.getLocalAddress();
    }
  }

  private final Selector selector;
  private final Thread thread;
  private final ConcurrentLinkedQueue<Runnable> changes = new ConcurrentLinkedQueue<>();
  private final PacketBuffer packet = new PacketBuffer();
  private final AtomicLong forwarded = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private volatile boolean closed;

  public MediaBridge(String name) throws IOException {
    this.selector = Selector.open();
    this.thread = new Thread(this::run, name);
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /**
   * Bridges two legs: sockets bound to {@code localA}/{@code localB} (port 0: any), connected to
   * the peers {@code peerA}/{@code peerB}. The streams are the legs' SRTP (null for plain RTP);
   * the bridge owns them and the sockets until {@link #remove}.
   */
  public Bridge add(InetSocketAddress localA, InetSocketAddress peerA, SrtpStream srtpA,
      InetSocketAddress localB, InetSocketAddress peerB, SrtpStream srtpB) throws IOException {
    return add(localA, peerA, srtpA, localB, peerB, srtpB, null);
  }

  /** As above, with leg A the pqkem leg: its reveals go to {@code revealsFromA}, not to leg B. */
  public Bridge add(InetSocketAddress localA, InetSocketAddress peerA, SrtpStream srtpA,
      InetSocketAddress localB, InetSocketAddress peerB, SrtpStream srtpB,
      java.util.function.Consumer<byte[]> revealsFromA) throws IOException {
    DatagramChannel a = open(localA, peerA);
    DatagramChannel b;
    try {
      b = open(localB, peerB);
    } catch (IOException e) {
      a.close();
      throw e;
    }
    Bridge bridge = new Bridge(a, b, srtpA, srtpB, revealsFromA);
    changes.add(() -> {
      try {
        bridge.keyA = a.register(selector, SelectionKey.OP_READ, bridge);
        bridge.keyB = b.register(selector, SelectionKey.OP_READ, bridge);
      } catch (IOException e) {
        closeQuietly(bridge);
      }
    });
    selector.wakeup();
    return bridge;
  }

  private static DatagramChannel open(InetSocketAddress local, InetSocketAddress peer) throws IOException {
    DatagramChannel c = DatagramChannel.open(
        local.getAddress() instanceof java.net.Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
    try {
      c.configureBlocking(false);
      c.bind(local);
      c.connect(peer);
      return c;
    } catch (IOException e) {
      c.close();
      throw e;
    }
  }

  /**
   * Stops bridging {@code bridge}: its sockets are closed and its keys wiped on the bridge's
   * thread; the future completes when they are.
   */
  public java.util.concurrent.CompletableFuture<Void> remove(Bridge bridge) {
    java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
    changes.add(() -> {
      closeQuietly(bridge);
      done.complete(null);
    });
    selector.wakeup();
    return done;
  }

  private static void closeQuietly(Bridge b) {
    for (DatagramChannel c : new DatagramChannel[] {b.a, b.b}) {
      try {
        c.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
    if (b.srtpA != null) {
      b.srtpA.close();
    }
    if (b.srtpB != null) {
      b.srtpB.close();
    }
  }

  public long forwarded() {
    return forwarded.get();
  }

  /** Packets that did not open with their leg's keys, or could not be sent on. */
  public long dropped() {
    return dropped.get();
  }

  /** The forwarding thread (benchmarks read its CPU time and allocations). */
  public Thread thread() {
    return thread;
  }

  private void run() {
    while (!closed) {
      try {
        selector.select(this::ready);
      } catch (IOException | java.nio.channels.ClosedSelectorException e) {
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
    Bridge bridge = (Bridge) key.attachment();
    boolean fromA = key == bridge.keyA;
    DatagramChannel in = fromA ? bridge.a : bridge.b;
    DatagramChannel out = fromA ? bridge.b : bridge.a;
    SrtpStream from = fromA ? bridge.srtpA : bridge.srtpB;
    SrtpStream to = fromA ? bridge.srtpB : bridge.srtpA;
    // Up to 16 packets per wake-up from one socket: a busy leg cannot starve the others.
    for (int i = 0; i < 16; i++) {
      ByteBuffer view = packet.byteBuffer();
      view.clear().limit(packet.capacity() - 64); // room for the tag the other leg adds
      int n;
      try {
        n = in.read(view);
      } catch (IOException e) {
        dropped.incrementAndGet(); // e.g. ICMP port unreachable from a peer that went away
        return;
      }
      if (n <= 0) {
        return;
      }
      packet.setOffset(0);
      packet.setLength(n);
      if (Reprotect.forward(packet, from, to, fromA ? bridge.revealsFromA : null) != SrtpResult.OK) {
        dropped.incrementAndGet();
        continue;
      }
      try {
        out.write(packet.byteBuffer());
        forwarded.incrementAndGet();
      } catch (IOException e) {
        dropped.incrementAndGet();
      }
    }
  }

  /** Stops the thread and closes every bridge's sockets. */
  @Override
  public void close() {
    closed = true;
    selector.wakeup();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // closing anyway; the caller's thread keeps its interrupt
    }
    for (SelectionKey k : selector.keys()) {
      closeQuietly((Bridge) k.attachment());
    }
    try {
      selector.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
