package org.pqsip.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pqsip.keying.Policy;
import org.pqsip.sip.EventLog;
import org.pqsip.sip.SipTls;
import org.pqsip.sip.TestCertificate;
import org.pqsip.sip.TestPhone;
import org.pqsip.testing.ToneCheck;
import org.pqsip.media.Wav;

/** A PQ call routed through a real SIP proxy: kamailio 5.6 (Debian package), over TCP. */
@Tag("external")
class KamailioIT {
  static final Duration T = Duration.ofSeconds(20);
  static final int PROXY = 26060;

  @TempDir Path dir;

  @Test
  void calleeRegistersAndIsReachedByItsAddressOfRecord() throws Exception {
    Path cfg = dir.resolve("kamailio.cfg");
    Files.writeString(cfg, KamailioConfig.config(PROXY + 10));
    String proxy = "127.0.0.1:" + (PROXY + 10) + "/tcp";
    try (ExternalProcess kamailio =
        ExternalProcess.start("kamailio", List.of("kamailio", "-DD", "-E", "-f", cfg.toString(), "-Y", dir.toString(), "-w", dir.toString()))) {
      kamailio.awaitTcp(PROXY + 10, T);
      TestPhone bob = TestPhone.start("bob", 26082, 46600, dir, TestPhone.Options.of(Policy.REQUIRE, true).withProxy(proxy));
      TestPhone alice = TestPhone.start("alice", 26080, 46400, dir, TestPhone.Options.of(Policy.REQUIRE, false).withProxy(proxy));
      try {
        bob.ua().register(Duration.ofSeconds(300));
        assertThat(((Number) bob.log().await("registered", T).get("expires")).intValue()).isPositive();
        int id = alice.ua().call("sip:bob@pq.test");
        EventLog.Event a = alice.log().await("established", T);
        EventLog.Event b = bob.log().await("established", T);
        assertThat(a.get("security")).isEqualTo("pq");
        assertThat(a.get("sas")).isEqualTo(b.get("sas"));
        alice.ua().hangup(id);
        bob.log().await("ended", T);
      } finally {
        alice.close();
        bob.close();
      }
    }
  }

  /**
   * SIP over TLS on every hop (phone → kamailio's tls module → phone): the PQ call, its SDES
   * fallback offer and the BYE never cross the loopback in clear; each side checks the other's
   * certificate against the test authority.
   */
  @Test
  void pqCallThroughKamailioOverTls() throws Exception {
    SipTls tls = TestCertificate.create(dir);
    Path tlsCfg = KamailioConfig.tlsModuleConfig(dir, tls);
    Path cfg = dir.resolve("kamailio.cfg");
    int port = PROXY + 20;
    Files.writeString(cfg, KamailioConfig.tlsConfig(port, tlsCfg));
    try (ExternalProcess kamailio =
        ExternalProcess.start("kamailio", List.of("kamailio", "-DD", "-E", "-f", cfg.toString(), "-Y", dir.toString(), "-w", dir.toString()))) {
      kamailio.awaitTcp(port, T);
      TestPhone bob = TestPhone.start("bob", 26092, 46800, dir, TestPhone.Options.of(Policy.PREFER, true).withSdes(tls).withTone(660));
      TestPhone alice = TestPhone.start("alice", 26090, 47000, dir,
          TestPhone.Options.of(Policy.PREFER, false).withSdes(tls).withProxy("127.0.0.1:" + port + "/tls"));
      pqCallWithTone(alice, bob, "sip:bob@127.0.0.1:26092;transport=tls");
    }
  }

  @Test
  void pqCallThroughKamailioOverTcp() throws Exception {
    Path cfg = dir.resolve("kamailio.cfg");
    Files.writeString(cfg, KamailioConfig.config(PROXY));
    try (ExternalProcess kamailio =
        ExternalProcess.start("kamailio", List.of("kamailio", "-DD", "-E", "-f", cfg.toString(), "-Y", dir.toString(), "-w", dir.toString()))) {
      kamailio.await(o -> o.contains("Listening on") && o.contains("tcp: 127.0.0.1:" + PROXY), T, "start-up");
      kamailio.awaitTcp(PROXY, T);
      TestPhone bob = TestPhone.start("bob", 26072, 46200, dir, TestPhone.Options.of(Policy.REQUIRE, true).withTone(660));
      TestPhone alice =
          TestPhone.start("alice", 26070, 46000, dir,
              TestPhone.Options.of(Policy.REQUIRE, false).withProxy("127.0.0.1:" + PROXY + "/tcp"));
      pqCallWithTone(alice, bob, "sip:bob@127.0.0.1:26072;transport=tcp");
    }
  }

  /** Alice calls {@code target} through the proxy: a PQ call, matching SAS, Bob hears her tone, BYE. */
  private static void pqCallWithTone(TestPhone alice, TestPhone bob, String target) throws Exception {
    try {
      int id = alice.ua().call(target);
      EventLog.Event a = alice.log().await("established", T);
      EventLog.Event b = bob.log().await("established", T);
      assertThat(a.get("security")).isEqualTo("pq");
      assertThat(b.get("security")).isEqualTo("pq");
      assertThat(a.get("sas")).isEqualTo(b.get("sas"));
      bob.log().await(e -> e.type().equals("media") && (Long) e.get("packetsReceived") >= 100, T, "audio");
      alice.ua().hangup(id); // BYE follows the Record-Route through kamailio
      bob.log().await("ended", T);
      assertThat(ToneCheck.dominates(Wav.read(bob.recording()), 440)).isTrue();
    } finally {
      alice.close();
      bob.close();
    }
  }
}
