package org.pqsip.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.pqsip.ice.IceCandidate;
import org.pqsip.ice.IceConfig;
import org.pqsip.ice.IceDescription;
import org.pqsip.ice.IceTransport;
import org.pqsip.ice.NatClass;
import org.pqsip.ice.PathKind;
import org.pqsip.ice.PathSettings;
import org.pqsip.ice.RelayUri;
import org.pqsip.relay.net.RelayServer;
import org.pqsip.srtp.PacketBuffer;

/**
 * Two calls' ICE transports (ice4j underneath, our path policy on top) against our real relay
 * on loopback: each gathers host and relayed candidates, they check each other,
 * the controlling side nominates, both report the chosen path, and RTP and RTCP (multiplexed)
 * cross in both directions over it.
 */
class IceTransportIT {
  static final InetAddress LO = InetAddress.getLoopbackAddress();
  static final byte[] SECRET = "ice-transport-test-shared-secret".getBytes(StandardCharsets.UTF_8);
  static final Duration T = Duration.ofSeconds(20);

  record Side(IceTransport transport, List<String> paths, AtomicInteger rtp, AtomicInteger rtcp) {}

  static Side side(IceConfig config, int port, boolean controlling, ScheduledExecutorService timers) throws Exception {
    List<String> paths = new CopyOnWriteArrayList<>();
    IceTransport t = IceTransport.gather(config, new InetSocketAddress(LO, port), controlling, NatClass.OPEN, true, timers,
        new IceTransport.PathEvents() {
          @Override
          public void selected(PathKind kind, long afterMillis) {
            paths.add(kind.token());
          }

          @Override
          public void switched(PathKind from, PathKind to, long gapMillis) {
            paths.add(from.token() + "->" + to.token());
          }
        });
    AtomicInteger rtp = new AtomicInteger();
    AtomicInteger rtcp = new AtomicInteger();
    t.start((packet, isRtcp) -> (isRtcp ? rtcp : rtp).incrementAndGet());
    return new Side(t, paths, rtp, rtcp);
  }

  static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + T.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + T + ": " + what);
      }
      Thread.sleep(10); // polling a condition with a deadline, not waiting a fixed time
    }
  }

  @Test
  void twoTransportsFindEachOtherAndCarryRtpAndRtcpBothWays() throws Exception {
    RelayServer.Config cfg = new RelayServer.Config(List.of(new InetSocketAddress(LO, 0)), List.of(), List.of(), null, LO,
        61700, 61799, "pq.test", SECRET, List.of("127.0.0.0/8"), 100, 10, 1, 100, false);
    ScheduledExecutorService timers = Executors.newScheduledThreadPool(2);
    try (RelayServer relay = RelayServer.start(cfg)) {
      InetSocketAddress at = relay.udpAddresses().get(0);
      IceConfig ice = new IceConfig(List.of(RelayUri.parse("turn:127.0.0.1:" + at.getPort())), Optional.of(SECRET), Optional.empty(),
          PathSettings.DEFAULTS);
      Side a = side(ice, 44500, true, timers);
      Side b = side(ice, 44502, false, timers);
      try {
        IceDescription da = a.transport().local();
        IceDescription db = b.transport().local();
        // On loopback the server-reflexive address is the host address: redundant, so dropped
        // (RFC 8445 §5.1.3); behind a NAT it is there (NatIceIT).
        assertThat(da.candidates()).extracting(IceCandidate::type).containsExactly(IceCandidate.Type.HOST, IceCandidate.Type.RELAY);
        assertThat(relay.activeAllocations()).isEqualTo(2);
        a.transport().start(db);
        b.transport().start(da);
        await(() -> !a.paths().isEmpty() && !b.paths().isEmpty(), "both sides chose a path");
        assertThat(a.paths()).containsExactly("p2p");
        PacketBuffer rtp = new PacketBuffer().set(new byte[] {(byte) 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}, 0, 12);
        PacketBuffer rtcp = new PacketBuffer().set(new byte[] {(byte) 0x80, (byte) 200, 0, 1, 0, 0, 0, 1}, 0, 8);
        await(() -> {
          try {
            a.transport().send(rtp, false);
            b.transport().send(rtp, false);
            a.transport().send(rtcp, true);
          } catch (java.io.IOException e) {
            throw new AssertionError(e);
          }
          return a.rtp().get() > 10 && b.rtp().get() > 10 && b.rtcp().get() > 0;
        }, "RTP both ways and RTCP on the same pair");
        assertThat(a.rtcp().get()).as("nothing sent as RTCP towards a").isZero();
      } finally {
        a.transport().close();
        b.transport().close();
      }
      await(() -> relay.activeAllocations() == 0, "the relay allocations are freed with the calls");
    } finally {
      timers.shutdownNow();
    }
  }
}
