package org.pqsip.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pqsip.keying.Policy;
import org.pqsip.media.Wav;
import org.pqsip.stun.RestCredentials;
import org.pqsip.relay.core.RelayCounters;
import org.pqsip.relay.net.RelayServer;
import org.pqsip.sip.EventLog;
import org.pqsip.sip.SipTls;
import org.pqsip.sip.TestCertificate;
import org.pqsip.sip.TestPhone;
import org.pqsip.testing.ToneCheck;

/**
 * A real baresip (Debian package, {@code turn} module) allocates on our relay with REST
 * credentials and offers the relayed address; our phone calls it with SDES, and every media
 * packet crosses the relay both ways, as ciphertext the relay cannot read.
 */
@Tag("external")
class BaresipTurnIT {
  static final Duration T = Duration.ofSeconds(20);
  static final byte[] SECRET = "baresip-turn-shared-secret-01234".getBytes(StandardCharsets.UTF_8);
  @TempDir Path dir;

  @Test
  void baresipCallMediaCrossesOurRelay() throws Exception {
    InetAddress lo = InetAddress.getLoopbackAddress();
    RelayServer.Config cfg = new RelayServer.Config(List.of(new InetSocketAddress(lo, 0)), List.of(), List.of(), null, lo, 61700, 61799, "pq.test",
        SECRET, List.of("127.0.0.0/8"), 100, 10, 2, 100, RelayServer.batchedUdpAvailable());
    try (RelayServer relay = RelayServer.start(cfg)) {
      String[] up = new RestCredentials(SECRET, "pq.test").mint(System.currentTimeMillis() / 1000 + 600, "baresip-token");
      String relayAt = "127.0.0.1:" + relay.udpAddresses().get(0).getPort();
      SipTls tls = TestCertificate.create(dir);
      try (Baresip carol = Baresip.startWithTurn(dir.resolve("bt"), 28150, 28700, 880, relayAt, up[0], up[1], tls)) {
        TestPhone alice = TestPhone.start("alice", 28076, 28800, dir, TestPhone.Options.of(Policy.PREFER, false).withSdes(tls));
        try {
          int id = alice.ua().call(carol.uri());
          EventLog.Event e = alice.log().await("established", T);
          assertThat(e.get("security")).isEqualTo("sdes");
          alice.log().await(ev -> ev.type().equals("media") && (Long) ev.get("packetsReceived") >= 100, T, "audio via the relay");
          assertThat(relay.activeAllocations()).as("baresip's allocation(s) on our relay").isPositive();
          long toPeer = sum(relay, RelayCounters.TO_PEER_PACKETS);
          long toClient = sum(relay, RelayCounters.TO_CLIENT_PACKETS);
          assertThat(toPeer).as("baresip -> relay -> our phone").isGreaterThanOrEqualTo(100);
          assertThat(toClient).as("our phone -> relay -> baresip").isGreaterThanOrEqualTo(50);
          alice.ua().hangup(id);
          alice.log().await("ended", T);
          assertThat(ToneCheck.dominates(Wav.read(alice.recording()), 880)).as("we hear baresip's tone through the relay").isTrue();
        } finally {
          alice.close();
        }
      }
    }
  }

  private static long sum(RelayServer relay, int slot) {
    return relay.counters().stream().mapToLong(c -> c.get(slot)).sum();
  }
}
