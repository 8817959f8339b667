package org.pqsip.relay.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.pqsip.relay.alloc.AllocationTable;
import org.pqsip.relay.alloc.FiveTuple;
import org.pqsip.relay.auth.RestCredentials;
import org.pqsip.relay.core.PeerPolicy;
import org.pqsip.relay.core.TurnService;

/**
 * A single-threaded UDP driver for {@link TurnService}: the TURN port and one socket per relayed
 * port on one selector; it owns sockets and the clock, the service owns every decision. Logs
 * nothing per allocation or packet. (Per-core event loops and batched syscalls come later.)
 */
public final class UdpTurnServer implements AutoCloseable {
  /** The driver's settings. */
  public record Config(
      InetSocketAddress listen, InetAddress relayAddress, int relayPortMin, int relayPortMax,
      String realm, byte[] authSecret, List<String> allowPeers, int maxAllocations, int maxPerUser) {}

  private static final Object MAIN = new Object();

  private final DatagramChannel main;
  private final Selector selector;
  private final TurnService service;
  private final Map<Integer, DatagramChannel> relays = new HashMap<>();
  private final Config config;
  private final Thread thread;
  private final InetSocketAddress localAddress;
  private int nextPort;
  private volatile boolean closed;

  private UdpTurnServer(Config config) throws IOException {
    this.config = config;
    this.selector = Selector.open();
    this.main = DatagramChannel.open();
    main.bind(config.listen());
    main.configureBlocking(false).register(selector, SelectionKey.OP_READ, MAIN);
    this.localAddress = (InetSocketAddress) main.getLocalAddress();
    this.nextPort = config.relayPortMin();
    byte[] nonceKey = new byte[32];
    new java.security.SecureRandom().nextBytes(nonceKey);
    this.service =
        new TurnService(
            new RestCredentials(config.authSecret(), config.realm()), config.realm(), nonceKey,
            new PeerPolicy(new java.util.HashSet<>(List.of(config.relayAddress(), localAddress.getAddress())), config.allowPeers()),
            new AllocationTable(config.maxAllocations(), config.maxPerUser()), new Ports(), config.relayAddress());
    this.thread = new Thread(this::loop, "pqsip-relay-turn");
    thread.setDaemon(true);
  }

  public static UdpTurnServer start(Config config) throws IOException {
    UdpTurnServer s = new UdpTurnServer(config);
    s.thread.start();
    return s;
  }

  public InetSocketAddress localAddress() {
    return localAddress;
  }

  /** Relayed ports: bound on demand from the configured range, on the selector thread. */
  private final class Ports implements TurnService.RelayPorts {
    @Override
    public OptionalInt open() {
      int span = config.relayPortMax() - config.relayPortMin() + 1;
      for (int i = 0; i < span; i++) {
        int port = config.relayPortMin() + (nextPort - config.relayPortMin() + i) % span;
        if (relays.containsKey(port)) {
          continue;
        }
        try {
          DatagramChannel ch = DatagramChannel.open();
          try {
            ch.bind(new InetSocketAddress(config.relayAddress(), port));
            ch.configureBlocking(false).register(selector, SelectionKey.OP_READ, port);
          } catch (IOException e) {
            ch.close();
            continue;
          }
          relays.put(port, ch);
          nextPort = port + 1;
          return OptionalInt.of(port);
        } catch (IOException e) {
          return OptionalInt.empty();
        }
      }
      return OptionalInt.empty();
    }

    @Override
    public void close(int port) {
      DatagramChannel ch = relays.remove(port);
      if (ch != null) {
        try {
          ch.close();
        } catch (IOException e) {
          // already gone
        }
      }
    }
  }

  private void loop() {
    ByteBuffer buf = ByteBuffer.allocate(65536);
    long nextSweep = System.nanoTime() + 1_000_000_000L;
    try {
      while (!closed) {
        selector.select(250);
        for (SelectionKey key : selector.selectedKeys()) {
          if (!key.isValid()) {
            continue;
          }
          DatagramChannel ch = (DatagramChannel) key.channel();
          buf.clear();
          InetSocketAddress from;
          try {
            from = (InetSocketAddress) ch.receive(buf);
          } catch (IOException e) {
            continue;
          }
          if (from == null) {
            continue;
          }
          long now = System.nanoTime();
          List<TurnService.Action> actions =
              key.attachment() == MAIN
                  ? service.fromClient(new FiveTuple(from, localAddress, "udp"), buf.array(), 0, buf.position(), now,
                      System.currentTimeMillis() / 1000)
                  : service.fromPeer((Integer) key.attachment(), from, buf.array(), 0, buf.position(), now);
          perform(actions);
        }
        selector.selectedKeys().clear();
        long now = System.nanoTime();
        if (now >= nextSweep) {
          service.sweep(now);
          nextSweep = now + 1_000_000_000L;
        }
      }
    } catch (IOException | RuntimeException e) {
      if (!closed) {
        throw new IllegalStateException("relay loop stopped", e);
      }
    }
  }

  private void perform(List<TurnService.Action> actions) {
    for (TurnService.Action a : actions) {
      try {
        if (a instanceof TurnService.Action.ToClient c) {
          main.send(ByteBuffer.wrap(c.data()), c.tuple().client());
        } else if (a instanceof TurnService.Action.ToPeer p) {
          DatagramChannel ch = relays.get(p.relayPort());
          if (ch != null) {
            ch.send(ByteBuffer.wrap(p.data()), p.peer());
          }
        }
      } catch (IOException e) {
        // one unreachable destination must not stop the relay
      }
    }
  }

  @Override
  public void close() throws IOException, InterruptedException {
    closed = true;
    selector.wakeup();
    thread.join(2000);
    for (DatagramChannel ch : relays.values()) {
      ch.close();
    }
    main.close();
    selector.close();
  }
}
