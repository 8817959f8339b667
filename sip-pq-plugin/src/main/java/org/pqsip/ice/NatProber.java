package org.pqsip.ice;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Optional;

/**
 * Runs a {@link NatProbe} over UDP from a fresh socket on our media address: each request is
 * sent up to four times (at 0, 100, 300 and 700 ms: a LAN relay answers at once, and an
 * air-gapped phone with no relay in reach knows within a second). Traffic goes only to the
 * configured relay.
 */
public final class NatProber {
  private static final long[] RESEND_AT_MS = {0, 100, 300, 700};
  private static final long GIVE_UP_MS = 1200;

  /** What one probe found. */
  public record Result(NatClass natClass, Optional<InetSocketAddress> mapped) {}

  private NatProber() {}

  public static Result probe(InetAddress local, InetSocketAddress relay) throws IOException {
    try (DatagramChannel ch = DatagramChannel.open(); Selector selector = Selector.open()) {
      ch.bind(new InetSocketAddress(local, 0));
      ch.configureBlocking(false).register(selector, SelectionKey.OP_READ);
      NatProbe probe = new NatProbe(relay, new SecureRandom());
      ByteBuffer rx = ByteBuffer.allocate(1500);
      InetSocketAddress to = null;
      long stepStart = 0;
      int sent = 0;
      while (!probe.done()) {
        long now = System.nanoTime();
        if (!probe.destination().equals(to)) {
          to = probe.destination(); // a new step (the other address): its own retransmissions
          stepStart = now;
          sent = 0;
        }
        long elapsedMs = Duration.ofNanos(now - stepStart).toMillis();
        if (sent < RESEND_AT_MS.length && elapsedMs >= RESEND_AT_MS[sent]) {
          ch.send(ByteBuffer.wrap(probe.request()), to);
          sent++;
        }
        if (elapsedMs >= GIVE_UP_MS) {
          break;
        }
        long nextSend = sent < RESEND_AT_MS.length ? RESEND_AT_MS[sent] : GIVE_UP_MS;
        selector.select(Math.max(1, nextSend - elapsedMs));
        selector.selectedKeys().clear();
        InetSocketAddress from;
        while ((from = (InetSocketAddress) ch.receive(rx.clear())) != null) {
          probe.onDatagram(from, rx.array(), 0, rx.position());
        }
      }
      return new Result(probe.result((InetSocketAddress) ch.getLocalAddress()), probe.mappedAddress());
    }
  }
}
