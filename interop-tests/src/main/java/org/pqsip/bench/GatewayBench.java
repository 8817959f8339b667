package org.pqsip.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.pqsip.crypto.Secret;
import org.pqsip.gateway.BridgeLeg;
import org.pqsip.media.MediaLoop;
import org.pqsip.media.MediaPorts;
import org.pqsip.media.UdpMediaTransport;
import org.pqsip.srtp.PacketBuffer;
import org.pqsip.srtp.SrtpMasterKey;
import org.pqsip.srtp.SrtpResult;
import org.pqsip.srtp.SrtpStream;
import org.pqsip.srtp.SrtpSuite;

/**
 * {@code ./pq bench gateway [CALLS...] [--seconds S]}: the trunk gateway's media path on loopback.
 * For each call a phone at site A sends a 50 packets/s SRTP stream (AES-256-GCM, 160-byte payload)
 * (the calls' packets spread evenly over each 20 ms) to the gateway's leg A (a {@link BridgeLeg}
 * on UDP RTP/RTCP ports read by one {@link MediaLoop}, as the gateway runs them), which opens it
 * with leg A's keys, seals it with leg B's and sends it to a phone at site B, which opens it and reads the send time from the payload. Prints, per number of
 * calls: packets offered and forwarded, losses, the gateway thread's CPU (hence packets/s per
 * core) and bytes allocated per packet, and the latency through the gateway next to the same
 * streams sent phone to phone directly (the added latency is the difference).
 */
public final class GatewayBench {
  private static final InetAddress LO = InetAddress.getLoopbackAddress();
  private static final int PPS = 50;

  public static void main(String[] args) throws Exception {
    List<Integer> calls = new ArrayList<>();
    int seconds = 10;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--seconds")) {
        seconds = Integer.parseInt(args[++i]);
      } else {
        calls.add(Integer.parseInt(args[i]));
      }
    }
    if (calls.isEmpty()) {
      calls = List.of(100, 1000);
    }
    System.out.printf("gateway bench: %d packets/s per call, AEAD_AES_256_GCM both legs, %d s measured after 2 s warm-up%n",
        PPS, seconds);
    for (int n : calls) {
      Result direct = run(n, seconds, false);
      Result gw = run(n, seconds, true);
      System.out.printf("%5d calls direct : sent %d, received %d, lost %d; latency p50 %.0f us, p99 %.0f us, max %.0f us%n",
          n, direct.sent, direct.received, direct.sent - direct.received, direct.p(50), direct.p(99), direct.max());
      System.out.printf("%5d calls gateway: sent %d, received %d, lost %d (gateway dropped %d); latency p50 %.0f us,"
              + " p99 %.0f us, max %.0f us%n", n, gw.sent, gw.received, gw.sent - gw.received, gw.dropped, gw.p(50),
          gw.p(99), gw.max());
      System.out.printf("%5d calls gateway: %.0f packets/s forwarded, gateway thread %.1f%% of a core"
              + " -> %.0f packets/s per core; %.1f bytes allocated per packet; added latency p50 %.0f us, p99 %.0f us%n",
          n, gw.forwarded / (double) seconds, 100.0 * gw.cpuNanos / (seconds * 1e9),
          gw.forwarded / (gw.cpuNanos / 1e9), gw.allocated / (double) Math.max(1, gw.forwarded),
          gw.p(50) - direct.p(50), gw.p(99) - direct.p(99));
    }
  }

  /** Latencies in 10 µs buckets up to 1 s, counts and the gateway's figures of one run. */
  static final class Result {
    final long[] buckets = new long[100_001];
    long sent;
    long received;
    long forwarded;
    long dropped;
    long cpuNanos;
    long allocated;

    void record(long nanos) {
      int b = (int) Math.min(buckets.length - 1, Math.max(0, nanos / 10_000));
      buckets[b]++;
    }

    double p(double pct) {
      long total = 0;
      for (long c : buckets) {
        total += c;
      }
      long want = (long) Math.ceil(total * pct / 100.0);
      long seen = 0;
      for (int i = 0; i < buckets.length; i++) {
        seen += buckets[i];
        if (seen >= want && want > 0) {
          return (i + 1) * 10.0;
        }
      }
      return Double.NaN;
    }

    double max() {
      for (int i = buckets.length - 1; i >= 0; i--) {
        if (buckets[i] > 0) {
          return (i + 1) * 10.0;
        }
      }
      return Double.NaN;
    }
  }

  static SrtpMasterKey key(int seed) {
    SrtpSuite s = SrtpSuite.AEAD_AES_256_GCM;
    byte[] k = new byte[s.keyLength()];
    byte[] salt = new byte[s.saltLength()];
    java.util.Arrays.fill(k, (byte) seed);
    java.util.Arrays.fill(salt, (byte) (seed + 7));
    k[0] = (byte) (seed >> 8);
    return new SrtpMasterKey(s, Secret.adopt(k), Secret.adopt(salt));
  }

  private static Result run(int n, int seconds, boolean viaGateway) throws Exception {
    Result r = new Result();
    MediaLoop loop = viaGateway ? new MediaLoop("pqsip-gateway-bench") : null;
    java.util.concurrent.ScheduledExecutorService reports = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    java.security.SecureRandom random = new java.security.SecureRandom();
    // The gateway's own transports (RTP and RTCP ports per leg) on the one loop, as TrunkGateway
    // makes them for its user agents.
    MediaPorts portsA = viaGateway ? new MediaPorts(LO, 20000, 27999, loop) : null;
    MediaPorts portsB = viaGateway ? new MediaPorts(LO, 30000, 37999, loop) : null;
    List<BridgeLeg> legs = new ArrayList<>();
    DatagramChannel[] phoneA = new DatagramChannel[n];
    DatagramChannel[] phoneB = new DatagramChannel[n];
    // The phones' RTCP ports: the gateway's legs send their reports there. Never read (the kernel
    // drops what overflows), but bound, or every report would come back as an ICMP port
    // unreachable, thrown at the gateway's next read as an exception.
    DatagramChannel[] rtcpA = new DatagramChannel[n];
    DatagramChannel[] rtcpB = new DatagramChannel[n];
    SrtpStream[] srtpA = new SrtpStream[n];
    SrtpStream[] srtpB = new SrtpStream[n];
    Selector receiving = Selector.open();
    try {
      for (int i = 0; i < n; i++) {
        int seed = 4 * i;
        phoneA[i] = DatagramChannel.open().bind(new InetSocketAddress(LO, 0));
        phoneB[i] = DatagramChannel.open().bind(new InetSocketAddress(LO, 0));
        InetSocketAddress a = (InetSocketAddress) phoneA[i].getLocalAddress();
        InetSocketAddress b = (InetSocketAddress) phoneB[i].getLocalAddress();
        srtpA[i] = new SrtpStream(key(seed), key(seed + 1)); // phone A sends with seed
        if (viaGateway) {
          UdpMediaTransport ta = portsA.bind();
          UdpMediaTransport tb = portsB.bind();
          rtcpA[i] = DatagramChannel.open().bind(new InetSocketAddress(LO, 0));
          rtcpB[i] = DatagramChannel.open().bind(new InetSocketAddress(LO, 0));
          ta.setRemote(a, (InetSocketAddress) rtcpA[i].getLocalAddress());
          tb.setRemote(b, (InetSocketAddress) rtcpB[i].getLocalAddress());
          BridgeLeg legA = new BridgeLeg(ta, org.pqsip.media.AudioCodec.PCMU, new SrtpStream(key(seed + 1), key(seed)), null, x -> { }, reports, random, () -> { });
          BridgeLeg legB = new BridgeLeg(tb, org.pqsip.media.AudioCodec.PCMU, new SrtpStream(key(seed + 2), key(seed + 3)), null, x -> { }, reports, random, () -> { });
          BridgeLeg.link(legA, legB);
          legA.start();
          legB.start();
          legs.add(legA);
          legs.add(legB);
          phoneA[i].connect(ta.localRtp());
          phoneB[i].connect(tb.localRtp());
          srtpB[i] = new SrtpStream(key(seed + 3), key(seed + 2)); // opens what leg B seals
        } else {
          phoneA[i].connect(b);
          phoneB[i].connect(a);
          srtpB[i] = new SrtpStream(key(seed + 1), key(seed)); // opens phone A's packets
        }
        phoneB[i].configureBlocking(false);
        phoneB[i].register(receiving, SelectionKey.OP_READ, i);
      }
      AtomicBoolean measuring = new AtomicBoolean();
      java.util.concurrent.atomic.AtomicLong measuredFrom = new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE);
      AtomicBoolean stop = new AtomicBoolean();
      Thread receiver = new Thread(() -> receive(receiving, phoneB, srtpB, measuredFrom, stop, r), "bench-receiver");
      receiver.start();
      long start = System.nanoTime();
      long warmEnd = start + 2_000_000_000L;
      long end = warmEnd + seconds * 1_000_000_000L;
      com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      PacketBuffer p = new PacketBuffer();
      byte[] rtp = new byte[12 + 160];
      long cpu0 = 0;
      long alloc0 = 0;
      long fwd0 = 0;
      long drop0 = 0;
      int seq = 0;
      for (long tick = start; tick < end; tick += 1_000_000_000L / PPS) {
        LockSupport.parkNanos(tick - System.nanoTime());
        if (!measuring.get() && System.nanoTime() >= warmEnd) {
          measuredFrom.set(System.nanoTime()); // packets sent from now on are counted at both ends
          measuring.set(true);
          if (loop != null) {
            cpu0 = mx.getThreadCpuTime(loop.thread().getId());
            alloc0 = mx.getThreadAllocatedBytes(loop.thread().getId());
            fwd0 = forwarded(legs);
            drop0 = dropped(legs);
          }
        }
        seq++;
        for (int i = 0; i < n; i++) {
          // Calls are independent phones: their packets spread over the 20 ms, not one burst.
          long slot = tick + (long) i * (1_000_000_000L / PPS) / n;
          long wait = slot - System.nanoTime();
          if (wait > 50_000) {
            LockSupport.parkNanos(wait);
          }
          rtp[0] = (byte) 0x80;
          rtp[2] = (byte) (seq >> 8);
          rtp[3] = (byte) seq;
          ByteBuffer.wrap(rtp, 8, 4).putInt(i + 1);
          long sentAt = System.nanoTime();
          ByteBuffer.wrap(rtp, 12, 8).putLong(sentAt);
          p.set(rtp, 0, rtp.length);
          srtpA[i].protectRtp(p);
          phoneA[i].write(p.byteBuffer());
          if (sentAt >= measuredFrom.get()) {
            r.sent++;
          }
        }
      }
      if (loop != null) {
        r.cpuNanos = mx.getThreadCpuTime(loop.thread().getId()) - cpu0;
        r.allocated = mx.getThreadAllocatedBytes(loop.thread().getId()) - alloc0;
        r.forwarded = forwarded(legs) - fwd0;
        r.dropped = dropped(legs) - drop0;
      }
      long drain = System.nanoTime() + 500_000_000L; // packets still in flight: half a second
      LockSupport.parkNanos(drain - System.nanoTime());
      stop.set(true);
      receiving.wakeup();
      receiver.join();
      return r;
    } finally {
      legs.forEach(BridgeLeg::close);
      reports.shutdownNow();
      if (loop != null) {
        loop.close();
      }
      for (int i = 0; i < n; i++) {
        if (phoneA[i] != null) {
          phoneA[i].close();
        }
        if (phoneB[i] != null) {
          phoneB[i].close();
        }
        if (rtcpA[i] != null) {
          rtcpA[i].close();
        }
        if (rtcpB[i] != null) {
          rtcpB[i].close();
        }
      }
      receiving.close();
    }
  }

  private static long forwarded(List<BridgeLeg> legs) {
    return legs.stream().mapToLong(l -> l.stats().packetsSent()).sum();
  }

  private static long dropped(List<BridgeLeg> legs) {
    return legs.stream().mapToLong(l -> l.stats().authFailures() + l.stats().replays() + l.stats().sendFailures()).sum();
  }

  private static void receive(Selector sel, DatagramChannel[] phoneB, SrtpStream[] srtpB,
      java.util.concurrent.atomic.AtomicLong measuredFrom, AtomicBoolean stop, Result r) {
    PacketBuffer p = new PacketBuffer();
    try {
      while (!stop.get()) {
        sel.select(key -> {
          int i = (Integer) key.attachment();
          try {
            for (int k = 0; k < 16; k++) {
              ByteBuffer v = p.byteBuffer();
              v.clear().limit(p.capacity());
              int len = phoneB[i].read(v);
              if (len <= 0) {
                return;
              }
              long now = System.nanoTime();
              p.setOffset(0);
              p.setLength(len);
              if (srtpB[i].unprotectRtp(p) == SrtpResult.OK) {
                long sentAt = ByteBuffer.wrap(p.getBuffer(), p.getOffset() + 12, 8).getLong();
                if (sentAt >= measuredFrom.get()) {
                  r.received++;
                  r.record(now - sentAt);
                }
              }
            }
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }, 100);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
