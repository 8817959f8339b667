package org.pqsip.relay.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import org.pqsip.stun.StreamFraming;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.pqsip.relay.alloc.Allocation;
import org.pqsip.relay.alloc.AllocationTable;
import org.pqsip.relay.alloc.FiveTuple;
import org.pqsip.relay.alloc.Quotas;
import org.pqsip.relay.core.ConnectionBudget;
import org.pqsip.relay.core.DataPath;
import org.pqsip.relay.core.RelayCounters;
import org.pqsip.relay.core.SourceLimiter;
import org.pqsip.relay.core.TurnService;
import org.pqsip.stun.StunMessage;

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
  /** A TCP connection must allocate within this time or it is closed; 5 s when over half the budget is used. */
  static final long TCP_IDLE_NANOS = 30_000_000_000L;
  static final long TCP_IDLE_PRESSURED_NANOS = 5_000_000_000L;
  /** TCP/TLS connections per loop (the relay's budget is this times its loops), and from one source over all loops. */
  static final int MAX_TCP = 10_000;
  static final int MAX_TCP_PER_SOURCE = 64;
  private static final Object TCP_LISTENER = new Object();
  private static final Object TLS_LISTENER = new Object();

  private final Selector selector;
  private final List<DatagramChannel> listeners = new ArrayList<>();
  /** Batched client sides of the UDP listeners (empty where batched system calls are unavailable or off). */
  private final List<ClientBatch> batches = new ArrayList<>();
  private final List<ServerSocketChannel> tcpListeners = new ArrayList<>();
  private final List<ServerSocketChannel> tlsListeners = new ArrayList<>();
  private final SSLContext tlsContext;
  private final Map<FiveTuple, TcpConnection> connections = new HashMap<>();
  private final ConnectionBudget budget;
  private final AllocationTable table;
  private final TurnService service;
  /** Unauthenticated work per source (requests without an allocation, new TCP/TLS connections). */
  private final SourceLimiter limiter;
  private final TlsHandshakes handshakes;
  private final Consumer<TcpConnection> onHandshakeTasksDone = this::resume;
  private final Consumer<TcpConnection> onHandshakeTasksFailed = this::close;
  private final DataPath dataPath;
  private final RelayCounters counters;
  private final RelayPortPool pool;
  private final InetAddress relayAddress;
  private final Map<Integer, Link> links = new HashMap<>();
  private final ByteBuffer buf = ByteBuffer.allocateDirect(DataPath.BUFFER_SIZE);
  /** The sender of a datagram read from a relayed socket through {@link UdpBatch#receiveFrom}. */
  private final ByteBuffer meta = ByteBuffer.allocateDirect(UdpBatch.META).order(java.nio.ByteOrder.nativeOrder());
  private final UdpBatch.Native bufNative;
  private final UdpBatch.Native metaNative;
  private final byte[] control = new byte[StunMessage.MAX_LENGTH];
  private final Consumer<SelectionKey> onReady = this::onReady;
  private final Ports ports = new Ports();
  private volatile boolean closed;

  /**
   * What every loop of a relay shares: settings, the allocation quota, the relayed port range, the
   * per-source limits (a source's connections land on any loop: SO_REUSEPORT spreads them by
   * port), and the TLS handshake workers.
   */
  record Shared(SSLContext tlsContext, TurnService.Settings settings, Quotas quotas, RelayPortPool pool, SourceLimiter limiter,
      ConnectionBudget budget, Executor handshakeWorkers, int udpBuffer, boolean batchedUdp) {}

  EventLoop(List<InetSocketAddress> udp, List<InetSocketAddress> tcp, List<InetSocketAddress> tls, Shared shared, long seed)
      throws IOException {
    this.selector = Selector.open();
    this.tlsContext = shared.tlsContext();
    this.handshakes = new TlsHandshakes(shared.handshakeWorkers(), selector);
    this.pool = shared.pool();
    TurnService.Settings settings = shared.settings();
    this.relayAddress = settings.relayAddress();
    this.counters = new RelayCounters();
    this.table = new AllocationTable(shared.quotas());
    this.limiter = shared.limiter();
    this.budget = shared.budget();
    boolean batchedUdp = shared.batchedUdp();
    int udpBuffer = shared.udpBuffer();
    this.service = new TurnService(settings, table, ports, counters, limiter);
    this.dataPath = new DataPath(counters, seed);
    boolean nativeIo = batchedUdp && UdpBatch.AVAILABLE; // plain mode is the JDK's calls throughout
    this.bufNative = nativeIo ? UdpBatch.Native.of(buf) : null;
    this.metaNative = nativeIo ? UdpBatch.Native.of(meta) : null;
    try {
      for (InetSocketAddress a : udp) {
        DatagramChannel ch = udpFor(a.getAddress());
        listeners.add(ch);
        ch.setOption(StandardSocketOptions.SO_REUSEPORT, true);
        if (udpBuffer > 0) { // every client of this loop arrives on this one socket: room for a pause
          ch.setOption(StandardSocketOptions.SO_RCVBUF, udpBuffer);
          ch.setOption(StandardSocketOptions.SO_SNDBUF, udpBuffer);
        }
        ch.bind(a);
        ClientBatch b = batchedUdp ? ClientBatch.of(ch, seed + listeners.size(), counters) : null;
        if (b != null) {
          batches.add(b);
        }
        ch.configureBlocking(false).register(selector, SelectionKey.OP_READ, b);
      }
      for (InetSocketAddress a : tcp) {
        listenStream(a, TCP_LISTENER, tcpListeners);
      }
      for (InetSocketAddress a : tls) {
        listenStream(a, TLS_LISTENER, tlsListeners);
      }
    } catch (IOException | RuntimeException e) {
      release();
      throw e;
    }
  }

  /** The smallest receive buffer the kernel granted this loop's UDP listeners (0 without any). */
  int udpReceiveBuffer() {
    int least = 0;
    for (DatagramChannel ch : listeners) {
      try {
        int n = ch.getOption(StandardSocketOptions.SO_RCVBUF);
        least = least == 0 ? n : Math.min(least, n);
      } catch (IOException e) {
        return 0; // closing
      }
    }
    return least;
  }

  /** Where each UDP listener is bound (the first loop resolves port 0 for the others). */
  List<InetSocketAddress> udpAddresses() throws IOException {
    List<InetSocketAddress> out = new ArrayList<>();
    for (DatagramChannel ch : listeners) {
      out.add((InetSocketAddress) ch.getLocalAddress());
    }
    return out;
  }

  /**
   * A UDP socket of the address's own family: an IPv4 relay on a dual-stack IPv6 socket pays for
   * the v4-mapped path in the kernel on every datagram (udpv6_sendmsg/recvmsg in a profile).
   */
  private static DatagramChannel udpFor(InetAddress a) throws IOException {
    return a instanceof java.net.Inet4Address ? DatagramChannel.open(java.net.StandardProtocolFamily.INET) : DatagramChannel.open();
  }

  private void listenStream(InetSocketAddress a, Object kind, List<ServerSocketChannel> into) throws IOException {
    ServerSocketChannel ch = ServerSocketChannel.open();
    into.add(ch);
    ch.setOption(StandardSocketOptions.SO_REUSEPORT, true);
    ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
    ch.bind(a, 1024);
    ch.configureBlocking(false).register(selector, SelectionKey.OP_ACCEPT, kind);
  }

  /** Where each TCP listener is bound. */
  List<InetSocketAddress> tcpAddresses() throws IOException {
    return bound(tcpListeners);
  }

  /** Where each TLS listener is bound. */
  List<InetSocketAddress> tlsAddresses() throws IOException {
    return bound(tlsListeners);
  }

  private static List<InetSocketAddress> bound(List<ServerSocketChannel> listeners) throws IOException {
    List<InetSocketAddress> out = new ArrayList<>();
    for (ServerSocketChannel ch : listeners) {
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
        handshakes.drain(onHandshakeTasksDone, onHandshakeTasksFailed);
        for (int i = 0; i < batches.size(); i++) {
          batches.get(i).flush(); // what this turn framed for clients leaves in one system call per listener
        }
        long now = System.nanoTime();
        if (now >= nextSweep) {
          service.sweep(now);
          sweepConnections(now);
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
      } else if (att instanceof ClientBatch b) {
        readBatch(b);
      } else if (att == TCP_LISTENER || att == TLS_LISTENER) {
        accept((ServerSocketChannel) key.channel(), att == TLS_LISTENER);
      } else if (att instanceof TcpConnection c) {
        readTcp(c, key);
      } else {
        Link l = (Link) att;
        if (key.channel() == l.relay) {
          readRelay(l);
        } else {
          readConnected(l);
        }
      }
    } catch (IOException | RuntimeException e) {
      counters.failed(e); // a drop or an internal error; one bad event never stops the loop (and is not logged)
    }
  }

  /** Peer to client: the hot path. */
  private void readRelay(Link l) throws IOException {
    for (int i = 0; i < PER_ALLOCATION; i++) {
      buf.clear().position(DataPath.HEADROOM).limit(DataPath.HEADROOM + 65536);
      InetSocketAddress from;
      if (l.relayFd >= 0) {
        int n = UdpBatch.receiveFrom(l.relayFd, bufNative, DataPath.HEADROOM, 65536, metaNative);
        if (n < 0) {
          return; // none queued (or a socket error, which the read cleared)
        }
        if (meta.getShort(UdpBatch.FAMILY) == 0) {
          counters.add(RelayCounters.DROPPED, 1); // the kernel named no sender: nobody to relay for
          continue;
        }
        from = l.fromPeer.from(meta, 0);
        buf.limit(DataPath.HEADROOM + n);
      } else {
        from = (InetSocketAddress) l.relay.receive(buf);
        if (from == null) {
          return;
        }
        buf.limit(buf.position());
      }
      long now = System.nanoTime();
      Allocation a = l.allocation;
      if (a != null && a.live(now) && dataPath.toClient(a, from, buf, l.tcp != null, now)) {
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
      fromClient(l.allocation.fiveTuple(), buf, bufNative, l.allocation);
    }
  }

  /** Datagrams from this loop's UDP clients, {@link ClientBatch#MAX} per system call. */
  private void readBatch(ClientBatch b) {
    for (int round = 0; round < BATCH / ClientBatch.MAX; round++) {
      int n = b.receive();
      for (int i = 0; i < n; i++) {
        ByteBuffer frame = b.datagram(i);
        if (frame == null) {
          counters.add(RelayCounters.DROPPED, 1); // larger than the slot takes, or no sender address
          continue;
        }
        Link l = b.link(i);
        if (l != null && l.allocation != null) {
          fromClient(l.allocation.fiveTuple(), frame, b.slot(i), l.allocation);
        } else {
          fromClient(b.tuple(i), frame, b.slot(i), null);
        }
      }
      if (n < ClientBatch.MAX) {
        return;
      }
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
      fromClient(t, buf, bufNative, null);
    }
  }

  /** {@code at}: the frame's buffer as the JNI calls take it, or null (the JDK's calls). */
  private void fromClient(FiveTuple t, ByteBuffer frame, UdpBatch.Native at, Allocation known) {
    long now = System.nanoTime();
    if (DataPath.isChannelData(frame)) {
      Allocation a = known != null ? known : table.byClient(t, now).orElse(null);
      if (a == null || !a.live(now)) {
        counters.add(RelayCounters.DROPPED, 1);
        return;
      }
      InetSocketAddress peer = dataPath.toPeer(a, frame, now);
      if (peer != null) {
        sendToPeer((Link) a.attachment(), frame, at, peer);
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
        sendToPeer((Link) p.allocation().attachment(), ByteBuffer.wrap(p.data()), null, p.peer());
      }
    }
  }

  private void replyTo(FiveTuple t, ByteBuffer data) {
    if (!t.transport().equals("udp")) {
      TcpConnection c = connections.get(t);
      try {
        if (c != null && !c.write(data)) {
          counters.add(RelayCounters.DROPPED, 1);
        }
      } catch (IOException e) {
        close(c);
      }
      return;
    }
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
      if (!l.toClient(frame)) {
        counters.add(RelayCounters.DROPPED, 1);
      }
    } catch (IOException e) {
      counters.add(RelayCounters.DROPPED, 1); // one unreachable client must not stop the loop
    }
  }

  private void sendToPeer(Link l, ByteBuffer payload, UdpBatch.Native at, InetSocketAddress peer) {
    try {
      if (l.relayFd >= 0 && at != null) {
        if (!UdpBatch.sendTo(l.relayFd, at, payload.position(), payload.remaining(), l.toPeer.set(peer))) {
          counters.add(RelayCounters.DROPPED, 1);
        }
        return;
      }
      l.relay.send(payload, peer);
    } catch (IOException | java.nio.channels.UnsupportedAddressTypeException e) {
      counters.add(RelayCounters.DROPPED, 1);
    }
  }

  private void accept(ServerSocketChannel server, boolean tls) throws IOException {
    for (int i = 0; i < BATCH; i++) {
      SocketChannel sc = server.accept();
      if (sc == null) {
        return;
      }
      InetSocketAddress remote = (InetSocketAddress) sc.getRemoteAddress();
      if (remote != null && !limiter.allow(remote.getAddress(), System.nanoTime())) {
        sc.close(); // a new connection is unauthenticated work: this source is over its rate
        counters.add(RelayCounters.CONNECTIONS_REFUSED, 1);
        continue;
      }
      int slot = remote == null ? -1 : budget.admit(remote.getAddress());
      if (slot < 0) {
        sc.close(); // over the loop's budget or this source's share of it
        counters.add(RelayCounters.CONNECTIONS_REFUSED, 1);
        continue;
      }
      try {
        sc.configureBlocking(false);
        sc.setOption(StandardSocketOptions.TCP_NODELAY, true);
        FiveTuple t = new FiveTuple(remote, (InetSocketAddress) sc.getLocalAddress(), tls ? "tls" : "tcp");
        SSLEngine engine = null;
        if (tls) {
          engine = tlsContext.createSSLEngine();
          engine.setUseClientMode(false);
          engine.beginHandshake();
        }
        TcpConnection c = new TcpConnection(sc, t, engine, System.nanoTime());
        c.budgetSlot = slot;
        c.key = sc.register(selector, SelectionKey.OP_READ, c);
        connections.put(t, c);
      } catch (IOException | RuntimeException e) {
        budget.release(slot); // the connection never joined: its slot goes back
        sc.close();
        throw e;
      }
    }
  }

  /** Bytes from a TCP or TLS client: every complete frame goes the way a datagram would. */
  private void readTcp(TcpConnection c, SelectionKey key) {
    try {
      if (key.isWritable()) {
        c.flush();
      }
      if (!key.isReadable()) {
        return;
      }
      if (!progress(c, c.read())) {
        return;
      }
    } catch (IOException e) {
      close(c);
      return;
    }
    frames(c);
  }

  /** Acts on where a read or a decrypt left {@code c}; true if it is open and not parked. */
  private boolean progress(TcpConnection c, TcpConnection.Progress p) {
    if (p == TcpConnection.Progress.CLOSED) {
      close(c);
      return false;
    }
    if (p == TcpConnection.Progress.PARKED) {
      if (!handshakes.park(c)) {
        close(c);
      }
      return false;
    }
    return true;
  }

  /** A parked TLS connection whose handshake tasks ran: back on the loop, where its handshake goes on. */
  private void resume(TcpConnection c) {
    c.parked = false;
    try {
      c.key.interestOps(SelectionKey.OP_READ);
      if (progress(c, c.decrypt())) {
        frames(c);
      }
    } catch (IOException | RuntimeException e) {
      close(c);
    }
  }

  /** Every complete frame read from {@code c} goes the way a datagram would. */
  private void frames(TcpConnection c) {
    int start = 0;
    int end = c.in.position();
    while (c.channel.isOpen()) {
      int f = StreamFraming.frameLength(c.in, start, end, TcpConnection.MAX_FRAME);
      if (f == StreamFraming.INCOMPLETE) {
        break;
      }
      if (f == StreamFraming.INVALID) {
        counters.add(RelayCounters.DROPPED, 1);
        close(c); // garbage on a stream: no way to find the next frame
        return;
      }
      c.frame.limit(start + f).position(start);
      fromClient(c.tuple, c.frame, null, c.allocation);
      start += f;
    }
    if (c.channel.isOpen()) {
      c.in.limit(end).position(start);
      c.in.compact();
    }
  }

  private void close(TcpConnection c) {
    if (c == null) {
      return;
    }
    if (connections.remove(c.tuple) == c) {
      budget.release(c.budgetSlot);
    }
    Allocation a = c.allocation;
    if (a != null) {
      table.remove(a); // RFC 8656: the allocation ends with its TCP connection
      ports.close(a.relayPort());
    }
    c.close();
  }

  private void sweepConnections(long now) {
    long idleLimit = budget.idleNanos();
    for (TcpConnection c : new ArrayList<>(connections.values())) {
      boolean idle = c.allocation == null && now - c.openedAt > idleLimit;
      boolean ended = c.allocation != null && !c.allocation.live(now);
      if (idle || ended) {
        close(c);
      }
    }
  }

  /** Relayed ports: bound from the shared range on this loop's thread, one socket each. */
  private final class Ports implements TurnService.RelayPorts {
    @Override
    public OptionalInt open(boolean even) {
      for (int tries = 0; tries < pool.size(); tries++) {
        int port = pool.take(even);
        if (port < 0) {
          return OptionalInt.empty();
        }
        DatagramChannel ch = null;
        try {
          ch = udpFor(relayAddress);
          ch.bind(new InetSocketAddress(relayAddress, port));
          Link l = new Link(ch, port);
          if (bufNative != null) { // the lean JNI calls come with batching
            l.relayFd = UdpBatch.fd(ch);
            boolean v6 = SockAddr.isV6(relayAddress);
            l.toPeer = new SockAddr(v6);
            l.fromPeer = new SockAddr(v6);
          }
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
      if (!a.fiveTuple().transport().equals("udp")) {
        l.tcp = connections.get(a.fiveTuple());
        if (l.tcp != null) {
          l.tcp.allocation = a;
        }
        return;
      }
      for (ClientBatch b : batches) {
        if (b.local().equals(a.fiveTuple().server()) && b.index(l)) {
          l.listener = b.channel;
          return;
        }
      }
      for (DatagramChannel ch : listeners) {
        try {
          if (ch.getLocalAddress().equals(a.fiveTuple().server())) {
            l.listener = ch;
            DatagramChannel c = udpFor(((InetSocketAddress) ch.getLocalAddress()).getAddress());
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
    for (TcpConnection c : new ArrayList<>(connections.values())) {
      c.close();
    }
    connections.clear();
    List<java.nio.channels.Channel> all = new ArrayList<>(listeners);
    all.addAll(tcpListeners);
    all.addAll(tlsListeners);
    for (java.nio.channels.Channel ch : all) {
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
