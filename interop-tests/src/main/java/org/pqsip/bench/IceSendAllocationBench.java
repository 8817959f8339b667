package org.pqsip.bench;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.pqsip.ice.IceConfig;
import org.pqsip.ice.IceTransport;
import org.pqsip.ice.NatClass;
import org.pqsip.ice.PathKind;
import org.pqsip.srtp.PacketBuffer;

/**
 * {@code ./pq bench ice-send}: bytes allocated per packet and packets per second on the ICE media
 * path of a call (IceTransport → IceAgent → ice4j's host socket) once two transports on loopback
 * have chosen their P2P path; one sending thread, after warm-up. The SRTP part is
 * {@code ./pq bench srtp}. Prints figures.
 */
public final class IceSendAllocationBench {
  private IceSendAllocationBench() {}

  public static void main(String[] args) throws Exception {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    ScheduledExecutorService timers = Executors.newScheduledThreadPool(2);
    InetAddress lo = InetAddress.getLoopbackAddress();
    AtomicInteger chosen = new AtomicInteger();
    AtomicInteger received = new AtomicInteger();
    IceTransport.PathEvents events = new IceTransport.PathEvents() {
      @Override
      public void selected(PathKind kind, long afterMillis) {
        chosen.incrementAndGet();
      }

      @Override
      public void switched(PathKind from, PathKind to, long gapMillis) {}
    };
    IceTransport a = IceTransport.gather(IceConfig.NONE, new InetSocketAddress(lo, 44700), true, NatClass.OPEN, false, timers, events);
    IceTransport b = IceTransport.gather(IceConfig.NONE, new InetSocketAddress(lo, 44702), false, NatClass.OPEN, false, timers, events);
    try {
      a.start((p, rtcp) -> {});
      b.start((p, rtcp) -> received.incrementAndGet());
      a.start(b.local());
      b.start(a.local());
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (!a.canSend() && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      if (!a.canSend()) {
        throw new IllegalStateException("no path within 20 s");
      }
      PacketBuffer p = new PacketBuffer();
      byte[] rtp = new byte[172];
      rtp[0] = (byte) 0x80;
      int n = 100_000;
      for (int round = 0; round < 3; round++) {
        long b0 = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
          rtp[3] = (byte) i;
          p.set(rtp, 0, rtp.length);
          a.send(p, false);
        }
        long t1 = System.nanoTime();
        long b1 = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        if (round == 2) {
          System.out.printf("ICE media send (P2P, loopback): %.1f bytes allocated per packet, %.0f k packets/s"
              + " (%d of %d delivered so far)%n", (b1 - b0) / (double) n, n / ((t1 - t0) / 1e6), received.get(), 3 * n);
        }
      }
    } finally {
      a.close();
      b.close();
      timers.shutdownNow();
    }
    System.exit(0); // ice4j leaves non-daemon threads behind
  }
}
