package org.pqsip.relay.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Consumer;
import org.pqsip.relay.alloc.Allocation;
import org.pqsip.relay.alloc.AllocationTable;
import org.pqsip.relay.alloc.FiveTuple;
import org.pqsip.relay.alloc.Quotas;
import org.pqsip.relay.core.DataPath;
import org.pqsip.relay.core.RelayCounters;
import org.pqsip.relay.core.SourceLimiter;
import org.pqsip.relay.core.TurnService;
import org.pqsip.relay.proto.StunMessage;

/**
 * One event loop, one thread, one core: its own SO_REUSEPORT listening sockets (the kernel
 * spreads clients across loops by 5-tuple hash, so a client always meets the same loop), its own
 * allocation table and relayed sockets. The forwarding path reads into one direct buffer, frames
 * in place ({@link DataPath}) and writes from it: no allocation per packet. STUN requests take
 * the control path ({@link TurnService}), which may allocate.
 */
final class EventLoop implements Runnable {
  /** Datagrams drained from the shared listener per readiness event. */
  private static final int BATCH = 64;
  /**
   * Datagrams read from an allocation's own socket per readiness event. One: a call's socket
   * rarely holds a second datagram, so a second read would mostly be a wasted EAGAIN system call;
   * epoll (level-triggered) reports the socket again if more is queued, in a batch with others.
   */
  private static final int PER_ALLOCATION = 1;
  private static final long SWEEP_NANOS = 1_000_000_000L;

  private final Selector selector;
  private final List<DatagramChannel> listeners = new ArrayList<>();
  private final AllocationTable table;
  private final TurnService service;
  private final DataPath dataPath;
  private final RelayCounters counters;
  private final RelayPortPool pool;
  private final InetAddress relayAddress;
  private final Map<Integer, Link> links = new HashMap<>();
  private final ByteBuffer buf = ByteBuffer.allocateDirect(DataPath.BUFFER_SIZE);
  private final byte[] control = new byte[StunMessage.MAX_LENGTH];
  private final Consumer<SelectionKey> onReady = this::onReady;
  private final Ports ports = new Ports();
  private volatile boolean closed;

  EventLoop(List<InetSocketAddress> udp, TurnService.Settings settings, Quotas quotas, RelayPortPool pool,
      int unauthRate, long seed) throws IOException {
    this.selector = Selector.open();
    this.pool = pool;
    this.relayAddress = settings.relayAddress();
    this.counters = new RelayCounters();
    this.table = new AllocationTable(quotas);
    this.service = new TurnService(settings, table, ports, counters, new SourceLimiter(unauthRate));
    this.dataPath = new DataPath(counters, seed);
    try {
      for (InetSocketAddress a : udp) {
        DatagramChannel ch = DatagramChannel.open();
        listeners.add(ch);
        ch.setOption(StandardSocketOptions.SO_REUSEPORT, true);
        ch.bind(a);
        ch.configureBlocking(false).register(selector, SelectionKey.OP_READ, null);
      }
    } catch (IOException | RuntimeException e) {
      release();
      throw e;
    }
  }

  /** Where each UDP listener is bound (the first loop resolves port 0 for the others). */
  List<InetSocketAddress> udpAddresses() throws IOException {
    List<InetSocketAddress> out = new ArrayList<>();
    for (DatagramChannel ch : listeners) {
      out.add((InetSocketAddress) ch.getLocalAddress());
    }
    return out;
  }

  RelayCounters counters() {
    return counters;
  }

  void stop() {
    closed = true;
    selector.wakeup();
  }

  @Override
  public void run() {
    long nextSweep = System.nanoTime() + SWEEP_NANOS;
    try {
      while (!closed) {
        selector.select(onReady, 250);
        long now = System.nanoTime();
        if (now >= nextSweep) {
          service.sweep(now);
          nextSweep = now + SWEEP_NANOS;
        }
      }
    } catch (IOException | RuntimeException e) {
      if (!closed) {
        throw new IllegalStateException("relay event loop stopped", e);
      }
    } finally {
      release();
    }
  }

  private void onReady(SelectionKey key) {
    try {
      Object att = key.attachment();
      if (att == null) {
        readListener((DatagramChannel) key.channel());
      } else {
        Link l = (Link) att;
        if (key.channel() == l.relay) {
          readRelay(l);
        } else {
          readConnected(l);
        }
      }
    } catch (IOException e) {
      counters.add(RelayCounters.DROPPED, 1); // e.g. ICMP port unreachable on a connected socket
    }
  }

  /** Peer to client: the hot path. */
  private void readRelay(Link l) throws IOException {
    for (int i = 0; i < PER_ALLOCATION; i++) {
      buf.clear().position(DataPath.HEADROOM).limit(DataPath.HEADROOM + 65536);
      InetSocketAddress from = (InetSocketAddress) l.relay.receive(buf);
      if (from == null) {
        return;
      }
      long now = System.nanoTime();
      Allocation a = l.allocation;
      buf.limit(buf.position());
      if (a != null && a.live(now) && dataPath.toClient(a, from, buf, false, now)) {
        send(l, buf);
      }
    }
  }

  /** Client to peer on the allocation's connected socket: the other hot path. */
  private void readConnected(Link l) throws IOException {
    for (int i = 0; i < PER_ALLOCATION; i++) {
      buf.clear();
      if (l.connected.read(buf) <= 0) {
        return;
      }
      buf.flip();
      fromClient(l.allocation.fiveTuple(), buf, l.allocation);
    }
  }

  private void readListener(DatagramChannel ch) throws IOException {
    for (int i = 0; i < BATCH; i++) {
      buf.clear();
      InetSocketAddress from = (InetSocketAddress) ch.receive(buf);
      if (from == null) {
        return;
      }
      buf.flip();
      FiveTuple t = new FiveTuple(from, (InetSocketAddress) ch.getLocalAddress(), "udp");
      fromClient(t, buf, null);
    }
  }

  private void fromClient(FiveTuple t, ByteBuffer frame, Allocation known) {
    long now = System.nanoTime();
    if (DataPath.isChannelData(frame)) {
      Allocation a = known != null ? known : table.byClient(t, now).orElse(null);
      if (a == null || !a.live(now)) {
        counters.add(RelayCounters.DROPPED, 1);
        return;
      }
      InetSocketAddress peer = dataPath.toPeer(a, frame, now);
      if (peer != null) {
        sendToPeer((Link) a.attachment(), frame, peer);
      }
      return;
    }
    int len = frame.remaining();
    if (len > control.length) {
      counters.add(RelayCounters.DROPPED, 1);
      return;
    }
    frame.get(control, 0, len);
    for (TurnService.Action action : service.fromClient(t, control, 0, len, now, System.currentTimeMillis() / 1000)) {
      if (action instanceof TurnService.Action.ToClient c) {
        replyTo(c.tuple(), ByteBuffer.wrap(c.data()));
      } else if (action instanceof TurnService.Action.ToPeer p) {
        sendToPeer((Link) p.allocation().attachment(), ByteBuffer.wrap(p.data()), p.peer());
      }
    }
  }

  private void replyTo(FiveTuple t, ByteBuffer data) {
    for (DatagramChannel ch : listeners) {
      try {
        if (ch.getLocalAddress().equals(t.server())) {
          ch.send(data, t.client());
          return;
        }
      } catch (IOException e) {
        counters.add(RelayCounters.DROPPED, 1);
        return;
      }
    }
  }

  private void send(Link l, ByteBuffer frame) {
    try {
      l.toClient(frame);
    } catch (IOException e) {
      counters.add(RelayCounters.DROPPED, 1); // one unreachable client must not stop the loop
    }
  }

  private void sendToPeer(Link l, ByteBuffer payload, InetSocketAddress peer) {
    try {
      l.relay.send(payload, peer);
    } catch (IOException e) {
      counters.add(RelayCounters.DROPPED, 1);
    }
  }

  /** Relayed ports: bound from the shared range on this loop's thread, one socket each. */
  private final class Ports implements TurnService.RelayPorts {
    @Override
    public OptionalInt open() {
      for (int tries = 0; tries < pool.size(); tries++) {
        int port = pool.take();
        if (port < 0) {
          return OptionalInt.empty();
        }
        DatagramChannel ch = null;
        try {
          ch = DatagramChannel.open();
          ch.bind(new InetSocketAddress(relayAddress, port));
          Link l = new Link(ch, port);
          ch.configureBlocking(false).register(selector, SelectionKey.OP_READ, l);
          links.put(port, l);
          return OptionalInt.of(port);
        } catch (IOException e) {
          pool.release(port); // held by another process: try the next one
          if (ch != null) {
            try {
              ch.close();
            } catch (IOException ignored) {
              // already failing
            }
          }
        }
      }
      return OptionalInt.empty();
    }

    @Override
    public void started(Allocation a) {
      Link l = links.get(a.relayPort());
      l.allocation = a;
      a.attach(l);
      l.client = a.fiveTuple().client();
      for (DatagramChannel ch : listeners) {
        try {
          if (ch.getLocalAddress().equals(a.fiveTuple().server())) {
            l.listener = ch;
            DatagramChannel c = DatagramChannel.open();
            try {
              c.setOption(StandardSocketOptions.SO_REUSEPORT, true);
              c.bind(ch.getLocalAddress());
              c.connect(l.client);
              c.configureBlocking(false).register(selector, SelectionKey.OP_READ, l);
              l.connected = c;
            } catch (IOException e) {
              c.close(); // the shared listener still serves this client
            }
          }
        } catch (IOException e) {
          // listener closing: the allocation ends with the loop
        }
      }
    }

    @Override
    public void close(int port) {
      Link l = links.remove(port);
      if (l != null) {
        l.close();
        pool.release(port);
      }
    }
  }

  /** Closes every socket and ends every allocation (the loop's thread on exit, or a loop never started). */
  void release() {
    for (Allocation a : table.clear()) {
      ports.close(a.relayPort());
    }
    for (Link l : new ArrayList<>(links.values())) {
      l.close();
      pool.release(l.port);
    }
    links.clear();
    for (DatagramChannel ch : listeners) {
      try {
        ch.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
    try {
      selector.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
