package org.pqsip.bench;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.pqsip.keying.KeyingConfig;
import org.pqsip.keying.Policy;
import org.pqsip.media.AudioCodec;
import org.pqsip.media.ToneSource;
import org.pqsip.sip.PhoneConfig;
import org.pqsip.sip.UserAgent;
import org.pqsip.store.FilePeerStore;

/**
 * {@code ./pq bench setup}: call setup between two real phones on loopback, policy {@code off}
 * against {@code require} in one run, SIP over TCP for both so only keying differs. For each
 * call: time from the INVITE being built to the first decrypted (or, for {@code off}, first
 * decoded) RTP packet at the caller, and to {@code established}. Then sustained sequential calls
 * per second. Prints figures; asserts nothing.
 */
public final class CallSetupBench {
  record Ev(String who, String type, Map<String, Object> f) {}

  public static void main(String[] args) throws Exception {
    int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 50;
    int measured = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    int sustainSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    System.out.printf("call setup on loopback, SIP/TCP, %d warm-up + %d measured calls per policy, then %d s sustained%n",
        warmup, measured, sustainSeconds);
    System.out.printf("%-8s %14s %14s %14s %14s %12s%n", "policy", "firstPkt p50", "firstPkt p90", "estab p50", "estab p90", "calls/s");
    int base = 29500;
    List<Policy> policies = System.getenv("PQ_BENCH_POLICIES") == null ? List.of(Policy.OFF, Policy.REQUIRE, Policy.OFF, Policy.REQUIRE)
        : java.util.Arrays.stream(System.getenv("PQ_BENCH_POLICIES").split(",")).map(Policy::parse).toList();
    for (Policy policy : policies) {
      run(policy, base, warmup, measured, sustainSeconds);
      base += 10;
    }
    System.exit(0); // JAIN-SIP leaves non-daemon threads
  }

  static void run(Policy policy, int port, int warmup, int measured, int sustainSeconds) throws Exception {
    Path dir = Files.createTempDirectory("pqsip-bench");
    BlockingQueue<Ev> q = new LinkedBlockingQueue<>();
    try (UserAgent caller = phone("alice", port, 30000 + (port - 29500) * 100, policy, false, dir, q);
        UserAgent callee = phone("bob", port + 2, 30050 + (port - 29500) * 100, policy, true, dir, q)) {
      String target = "sip:bob@127.0.0.1:" + (port + 2) + ";transport=tcp";
      for (int i = 0; i < warmup; i++) {
        oneCall(caller, target, q);
      }
      List<Double> first = new ArrayList<>();
      List<Double> est = new ArrayList<>();
      for (int i = 0; i < measured; i++) {
        double[] r = oneCall(caller, target, q);
        first.add(r[0]);
        est.add(r[1]);
      }
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(sustainSeconds);
      int calls = 0;
      long start = System.nanoTime();
      while (System.nanoTime() < until) {
        oneCall(caller, target, q);
        calls++;
      }
      double rate = calls / ((System.nanoTime() - start) / 1e9);
      System.out.printf("%-8s %11.2f ms %11.2f ms %11.2f ms %11.2f ms %12.1f%n",
          policy.wireName(), pct(first, 50), pct(first, 90), pct(est, 50), pct(est, 90), rate);
    }
  }

  /** One call: returns {firstPacketMs, setupMs} at the caller; hangs up; waits for both ends. */
  static double[] oneCall(UserAgent caller, String target, BlockingQueue<Ev> q) throws InterruptedException {
    int id = caller.call(target);
    Double first = null;
    Double setup = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (first == null || setup == null) {
      Ev e = next(q, deadline);
      if (e.who().equals("alice") && e.f().get("call").equals(id)) {
        if (e.type().equals("established")) {
          setup = ((Number) e.f().get("setupMs")).doubleValue();
        } else if (e.type().equals("media") && e.f().containsKey("firstPacketMs") && first == null) {
          first = ((Number) e.f().get("firstPacketMs")).doubleValue();
        }
      }
    }
    caller.hangup(id);
    while (true) {
      Ev e = next(q, deadline);
      if (e.who().equals("bob") && e.type().equals("ended")) {
        break;
      }
    }
    q.clear();
    return new double[] {first, setup};
  }

  static Ev next(BlockingQueue<Ev> q, long deadline) throws InterruptedException {
    Ev e = q.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    if (e == null) {
      throw new IllegalStateException("benchmark call stalled");
    }
    if (e.type().equals("error")) {
      throw new IllegalStateException(e.who() + ": call failed: " + e.f().get("message"));
    }
    return e;
  }

  static double pct(List<Double> v, int p) {
    List<Double> s = new ArrayList<>(v);
    Collections.sort(s);
    return s.get(Math.min(s.size() - 1, (int) Math.ceil(p / 100.0 * s.size()) - 1));
  }

  static UserAgent phone(String name, int port, int media, Policy policy, boolean answer, Path dir, BlockingQueue<Ev> q)
      throws Exception {
    SecureRandom r = new SecureRandom();
    FilePeerStore store = FilePeerStore.open(dir.resolve(name), "sip:" + name + "@pq.test", r);
    InetAddress lo = InetAddress.getLoopbackAddress();
    PhoneConfig c = new PhoneConfig(
        new InetSocketAddress(lo, port), "sip:" + name + "@pq.test", KeyingConfig.defaults(policy, store.self()),
        lo, media, media + 49, AudioCodec.PCMU, () -> new ToneSource(440), Optional.empty(), Optional.empty(),
        answer, Duration.ofSeconds(10), Optional.empty());
    UserAgent ua = new UserAgent(c, store, (type, f) -> q.add(new Ev(name, type, f)), r);
    ua.start();
    return ua;
  }
}
