package org.pqsip.bench;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.pqsip.keying.KeyingConfig;
import org.pqsip.keying.Policy;
import org.pqsip.media.AudioCodec;
import org.pqsip.media.ToneSource;
import org.pqsip.sip.PhoneConfig;
import org.pqsip.sip.PhoneEvents;
import org.pqsip.sip.UserAgent;
import org.pqsip.store.FilePeerStore;

/**
 * Concurrent PQ calls between two phones on loopback (sipp cannot speak pqkem): TOTAL calls,
 * at most CONCURRENT at once, each held HOLD_MS after it is established, SIP over TCP, policy
 * require. Prints established calls on both ends, failures, calls/s, and the process's sockets
 * and threads before and after. Bounded in count and time; asserts nothing.
 *
 * <p>{@code ./pq bench calls [TOTAL CONCURRENT HOLD_MS]}
 */
public final class ConcurrentCallsBench {
  public static void main(String[] args) throws Exception {
    int total = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int concurrent = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    int holdMs = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
    System.out.printf("%d PQ calls (require, ML-KEM-1024 + X25519), at most %d at once, each held %d ms, SIP over TCP%n",
        total, concurrent, holdMs);
    Path dir = Files.createTempDirectory("pqsip-bench-calls");
    Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    List<String> errors = new CopyOnWriteArrayList<>();
    Semaphore slots = new Semaphore(concurrent);
    CountDownLatch callerEnded = new CountDownLatch(total);
    CountDownLatch calleeEnded = new CountDownLatch(total);
    ScheduledExecutorService hangups = Executors.newSingleThreadScheduledExecutor();
    UserAgent[] alice = new UserAgent[1];
    PhoneEvents aliceEvents = (type, f) -> {
      count(counts, "alice " + type + (type.equals("established") ? " " + f.get("security") : ""));
      int id = (Integer) f.getOrDefault("call", 0);
      if (type.equals("error")) {
        errors.add("alice: " + f.get("message"));
      } else if (type.equals("established")) {
        hangups.schedule(() -> alice[0].hangup(id), holdMs, TimeUnit.MILLISECONDS);
      } else if (type.equals("ended")) {
        slots.release();
        callerEnded.countDown();
      }
    };
    PhoneEvents bobEvents = (type, f) -> {
      count(counts, "bob " + type + (type.equals("established") ? " " + f.get("security") : ""));
      if (type.equals("error")) {
        errors.add("bob: " + f.get("message"));
      } else if (type.equals("ended")) {
        calleeEnded.countDown();
      }
    };
    try (UserAgent bob = phone("bob", 29702, 54000, true, dir, bobEvents);
        UserAgent a = phone("alice", 29700, 50000, false, dir, aliceEvents)) {
      alice[0] = a;
      long fds0 = openFiles();
      int threads0 = Thread.activeCount();
      long start = System.nanoTime();
      long deadline = start + TimeUnit.SECONDS.toNanos(60 + (long) total * holdMs / 1000 / Math.max(1, concurrent) * 4);
      for (int i = 0; i < total; i++) {
        if (!slots.tryAcquire(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          break;
        }
        a.call("sip:bob@127.0.0.1:29702;transport=tcp");
      }
      boolean done = callerEnded.await(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
          && calleeEnded.await(30, TimeUnit.SECONDS);
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("%s in %.1f s: %.1f calls/s%n", done ? "all calls ended" : "DEADLINE PASSED", seconds, total / seconds);
      System.out.println("events: " + new java.util.TreeMap<>(Map.copyOf(counts)));
      System.out.println("errors: " + errors.size() + (errors.isEmpty() ? "" : " (first: " + errors.get(0) + ")"));
      System.out.printf("process (both phones running): sockets/files %d -> %d, threads %d -> %d%n",
          fds0, openFiles(), threads0, Thread.activeCount());
    }
    hangups.shutdownNow();
    System.exit(errors.isEmpty() ? 0 : 1); // JAIN-SIP leaves non-daemon threads
  }

  private static void count(Map<String, AtomicInteger> counts, String key) {
    counts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
  }

  private static long openFiles() throws java.io.IOException {
    try (var s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }

  private static UserAgent phone(String name, int port, int media, boolean answer, Path dir, PhoneEvents events)
      throws Exception {
    SecureRandom r = new SecureRandom();
    FilePeerStore store = FilePeerStore.open(dir.resolve(name), "sip:" + name + "@pq.test", r);
    InetAddress lo = InetAddress.getLoopbackAddress();
    PhoneConfig c = new PhoneConfig(
        new InetSocketAddress(lo, port), "sip:" + name + "@pq.test", KeyingConfig.defaults(Policy.REQUIRE, store.self()),
        lo, media, media + 3999, AudioCodec.PCMU, () -> new ToneSource(440), Optional.empty(), Optional.empty(),
        answer, Duration.ofSeconds(10), Optional.empty());
    UserAgent ua = new UserAgent(c, store, events, r);
    ua.start();
    return ua;
  }
}
