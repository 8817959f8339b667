package org.pqsip.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
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
 * {@code ./pq demo}: two real phones on loopback. Alice calls Bob over SIP/TCP, they agree on
 * ML-KEM-1024 + X25519 SRTP keys in the SDP offer/answer, exchange three seconds of SRTP audio
 * each way, hang up, and call again to show key continuity.
 */
public final class Demo {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private Demo() {}

  record Event(String who, String type, Map<String, Object> fields) {}

  public static void main(String[] args) {
    int rc = 0;
    try {
      run(System.out);
    } catch (Exception e) {
      System.out.println("demo failed: " + e.getMessage());
      rc = 1;
    }
    System.exit(rc); // JAIN-SIP leaves non-daemon threads behind
  }

  static void run(PrintStream out) throws Exception {
    Path state = Files.createTempDirectory("pqsip-demo");
    BlockingQueue<Event> aliceEvents = new LinkedBlockingQueue<>();
    BlockingQueue<Event> bobEvents = new LinkedBlockingQueue<>();
    SecureRandom random = new SecureRandom();
    int alicePort = freePort(5070);
    int bobPort = freePort(alicePort + 2);
    try (UserAgent alice = phone("alice", alicePort, 40000, false, state, random, aliceEvents);
        UserAgent bob = phone("bob", bobPort, 40500, true, state, random, bobEvents)) {
      out.println("pqsip demo: Alice (SIP/TCP port " + alicePort + ") calls Bob (port " + bobPort
          + ") on loopback with policy require");
      for (int n = 1; n <= 2; n++) {
        out.println();
        out.println("call " + n + ":");
        int id = alice.call("sip:bob@127.0.0.1:" + bobPort);
        Map<String, Object> a = await(aliceEvents, "established", out);
        Map<String, Object> b = await(bobEvents, "established", out);
        show(out, "alice", a);
        show(out, "bob", b);
        out.printf("  setup: %s ms from INVITE to keys confirmed (caller), %s ms (callee, after the SRTCP reveal)%n",
            a.get("setupMs"), b.get("setupMs"));
        // The call itself: until Bob has heard three seconds of Alice (150 packets of 20 ms).
        await(bobEvents, e -> e.type().equals("media") && ((Number) e.fields().get("packetsReceived")).longValue() >= 150,
            "three seconds of audio", out);
        alice.hangup(id);
        Map<String, Object> am = lastMediaBeforeEnd(aliceEvents, out);
        Map<String, Object> bm = lastMediaBeforeEnd(bobEvents, out);
        out.printf("  media: alice sent %s / received %s packets, bob sent %s / received %s; lost %s/%s, auth failures %s/%s%n",
            am.get("packetsSent"), am.get("packetsReceived"), bm.get("packetsSent"), bm.get("packetsReceived"),
            am.get("packetsLost"), bm.get("packetsLost"), am.get("authFailures"), bm.get("authFailures"));
      }
      out.println();
      out.println("Read the SAS aloud on both ends: equal strings mean no one is in between.");
      out.println("The second call shows 'continuity': both phones proved the secret kept from call 1.");
    } finally {
      try (var files = Files.walk(state)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static UserAgent phone(
      String name, int sipPort, int mediaBase, boolean autoAnswer, Path state, SecureRandom random,
      BlockingQueue<Event> events) throws Exception {
    FilePeerStore store = FilePeerStore.open(state.resolve(name), "sip:" + name + "@pq.test", random);
    InetAddress lo = InetAddress.getLoopbackAddress();
    PhoneConfig config =
        new PhoneConfig(
            new InetSocketAddress(lo, sipPort), "sip:" + name + "@pq.test",
            KeyingConfig.defaults(Policy.REQUIRE, store.self()), lo, mediaBase, mediaBase + 499,
            AudioCodec.PCMU, () -> new ToneSource(name.equals("alice") ? 440 : 660),
            Optional.empty(), Optional.empty(), autoAnswer, Duration.ofSeconds(10), Optional.empty());
    UserAgent ua = new UserAgent(config, store, (type, f) -> events.add(new Event(name, type, f)), random);
    ua.start();
    return ua;
  }

  private static void show(PrintStream out, String who, Map<String, Object> f) {
    out.printf("  %-5s security=%s kem=%s srtp=%s sas=%s verification=%s%n",
        who, f.get("security"), f.get("kem"), f.get("srtp"), f.get("sas"), f.get("verification"));
  }

  private static Map<String, Object> await(BlockingQueue<Event> q, String type, PrintStream out)
      throws InterruptedException {
    return await(q, e -> e.type().equals(type), "'" + type + "' event", out);
  }

  private static Map<String, Object> await(BlockingQueue<Event> q, java.util.function.Predicate<Event> wanted, String what,
      PrintStream out) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      Event e = q.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (e == null) {
        throw new IllegalStateException("no " + what + " within " + WAIT.toSeconds() + " s");
      }
      if (e.type().equals("error")) {
        out.println("  " + e.who() + " error: " + e.fields().get("message"));
      }
      if (wanted.test(e)) {
        return e.fields();
      }
    }
  }

  private static Map<String, Object> lastMediaBeforeEnd(BlockingQueue<Event> q, PrintStream out)
      throws InterruptedException {
    Map<String, Object> last = Map.of();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      Event e = q.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (e == null) {
        throw new IllegalStateException("call did not end within " + WAIT.toSeconds() + " s");
      }
      if (e.type().equals("error")) {
        out.println("  " + e.who() + " error: " + e.fields().get("message"));
      } else if (e.type().equals("media")) {
        last = e.fields();
      } else if (e.type().equals("ended")) {
        return last;
      }
    }
  }

  /** The first port from {@code from} free for both TCP and UDP on loopback. */
  static int freePort(int from) throws IOException {
    InetAddress lo = InetAddress.getLoopbackAddress();
    for (int p = from; p < from + 200; p += 2) {
      try (ServerSocket s = new ServerSocket(p, 1, lo);
          DatagramSocket d = new DatagramSocket(p, lo)) {
        return p;
      } catch (IOException busy) {
        // try the next one
      }
    }
    throw new IOException("no free SIP port near " + from);
  }
}
