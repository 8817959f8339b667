package org.pqsip.sip;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pqsip.keying.KeyingConfig;
import org.pqsip.keying.Policy;
import org.pqsip.media.AudioCodec;
import org.pqsip.media.ToneSource;
import org.pqsip.store.FilePeerStore;

/** Two real user agents on loopback: SIP over TCP, SRTP media over UDP, pqkem keys. */
class PhoneCallIT {
  static final Duration T = Duration.ofSeconds(15);
  @TempDir Path dir;
  private final java.util.List<UserAgent> agents = new java.util.ArrayList<>();

  record Phone(UserAgent ua, EventLog log, FilePeerStore store) {}

  Phone phone(String name, int sipPort, int mediaBase, Policy policy, boolean autoAnswer) throws Exception {
    SecureRandom r = new SecureRandom();
    FilePeerStore store = FilePeerStore.open(dir.resolve(name), "sip:" + name + "@pq.test", r);
    PhoneConfig c =
        new PhoneConfig(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), sipPort),
            "sip:" + name + "@pq.test",
            KeyingConfig.defaults(policy, store.self()),
            InetAddress.getLoopbackAddress(),
            mediaBase,
            mediaBase + 99,
            AudioCodec.PCMU,
            () -> new ToneSource(440),
            Optional.of(dir.resolve(name + ".wav")),
            Optional.empty(),
            autoAnswer,
            Duration.ofSeconds(5));
    EventLog log = new EventLog(name);
    UserAgent ua = new UserAgent(c, store, log, r);
    ua.start();
    agents.add(ua);
    return new Phone(ua, log, store);
  }

  @AfterEach
  void stop() {
    agents.forEach(UserAgent::close);
  }

  @Test
  void pqCallBetweenTwoPhones() throws Exception {
    Phone alice = phone("alice", 25070, 42000, Policy.REQUIRE, false);
    Phone bob = phone("bob", 25072, 42200, Policy.REQUIRE, true);
    int id = alice.ua().call("sip:bob@127.0.0.1:25072");
    EventLog.Event a = alice.log().await("established", T);
    EventLog.Event b = bob.log().await("established", T);
    assertThat(a.get("security")).isEqualTo("pq");
    assertThat(b.get("security")).isEqualTo("pq");
    assertThat(a.get("sas")).isEqualTo(b.get("sas"));
    alice.log().await(e -> e.type().equals("media") && ((Long) e.get("packetsReceived")) > 20, T, "media flowing");
    alice.ua().hangup(id);
    bob.log().await("ended", T);
    assertThat(alice.ua().activeCalls()).isZero();
    assertThat(bob.ua().activeCalls()).isZero();
  }
}
