package org.pqsip.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pqsip.keying.Policy;
import org.pqsip.media.Wav;
import org.pqsip.sip.EventLog;
import org.pqsip.sip.SipTls;
import org.pqsip.sip.TestCertificate;
import org.pqsip.sip.TestPhone;
import org.pqsip.testing.ToneCheck;

/**
 * Legacy interop with a real third-party UA, baresip 1.0 (Debian package): our phone in
 * {@code prefer} over plain RTP and over SDES, calling in both directions; in {@code require}
 * it refuses baresip with 488 and says why.
 */
@Tag("external")
class BaresipIT {
  static final Duration T = Duration.ofSeconds(20);
  @TempDir Path dir;

  private static void awaitAudio(TestPhone p) throws InterruptedException {
    p.log().await(e -> e.type().equals("media") && (Long) e.get("packetsReceived") >= 100, T, "audio from baresip");
  }

  private void endAndCheckTone(TestPhone p, int id) throws Exception {
    p.ua().hangup(id);
    p.log().await("ended", T);
    assertThat(ToneCheck.dominates(Wav.read(p.recording()), 880)).as("we hear baresip's 880 Hz tone").isTrue();
  }

  @Test
  void preferCallsBaresipOverPlainRtp() throws Exception {
    try (Baresip carol = Baresip.start(dir.resolve("b1"), 28090, 28100, 880, null)) {
      TestPhone alice = TestPhone.start("alice", 28070, 28200, dir, TestPhone.Options.of(Policy.PREFER, false));
      try {
        int id = alice.ua().call(carol.uri());
        EventLog.Event e = alice.log().await("established", T);
        assertThat(e.get("security")).isEqualTo("none");
        assertThat(e.get("verification")).isEqualTo("none");
        carol.process.awaitLine("Call established", T);
        awaitAudio(alice);
        endAndCheckTone(alice, id);
      } finally {
        alice.close();
      }
    }
  }

  @Test
  void preferWithSdesCallsBaresipOverSrtp() throws Exception {
    SipTls tls = TestCertificate.create(dir);
    try (Baresip carol = Baresip.startTls(dir.resolve("b2"), 28110, 28300, 880, "srtp", tls)) {
      TestPhone alice = TestPhone.start("alice", 28072, 28400, dir, TestPhone.Options.of(Policy.PREFER, false).withSdes(tls));
      try {
        int id = alice.ua().call(carol.uri());
        EventLog.Event e = alice.log().await("established", T);
        assertThat(e.get("security")).isEqualTo("sdes");
        assertThat((String) e.get("srtp")).contains("HMAC_SHA1_80");
        awaitAudio(alice);
        assertThat(lastMedia(alice).get("authFailures")).isEqualTo(0L);
        endAndCheckTone(alice, id);
      } finally {
        alice.close();
      }
    }
  }

  @Test
  void preferWithSdesReachesAnSrtpMandatoryBaresipByRetryingAsSavp() throws Exception {
    SipTls tls = TestCertificate.create(dir);
    try (Baresip carol = Baresip.startTls(dir.resolve("b6"), 28190, 29100, 880, "srtp-mand", tls)) {
      TestPhone alice = TestPhone.start("alice", 28080, 29200, dir, TestPhone.Options.of(Policy.PREFER, false).withSdes(tls));
      try {
        int id = alice.ua().call(carol.uri());
        EventLog.Event e = alice.log().await("established", T);
        assertThat(e.get("security")).isEqualTo("sdes");
        assertThat(alice.log().all()).extracting(EventLog.Event::type).doesNotContain("error");
        awaitAudio(alice);
        assertThat(lastMedia(alice).get("authFailures")).isEqualTo(0L);
        endAndCheckTone(alice, id);
      } finally {
        alice.close();
      }
    }
  }

  @Test
  void baresipCallsPreferPhoneOverPlainRtp() throws Exception {
    try (Baresip carol = Baresip.start(dir.resolve("b3"), 28130, 28500, 880, null)) {
      TestPhone alice = TestPhone.start("alice", 28074, 28600, dir, TestPhone.Options.of(Policy.PREFER, true));
      try {
        carol.dial(alice.uri());
        EventLog.Event e = alice.log().await("established", T);
        assertThat(e.get("security")).isEqualTo("none");
        awaitAudio(alice);
        endAndCheckTone(alice, (Integer) e.get("call"));
      } finally {
        alice.close();
      }
    }
  }

  @Test
  void baresipWithSdesCallsPreferPhone() throws Exception {
    SipTls tls = TestCertificate.create(dir);
    try (Baresip carol = Baresip.startTls(dir.resolve("b4"), 28150, 28700, 880, "srtp-mand", tls)) {
      TestPhone alice = TestPhone.start("alice", 28076, 28800, dir, TestPhone.Options.of(Policy.PREFER, true).withSdes(tls));
      try {
        carol.dial(alice.uri());
        EventLog.Event e = alice.log().await("established", T);
        assertThat(e.get("security")).isEqualTo("sdes");
        awaitAudio(alice);
        assertThat(lastMedia(alice).get("authFailures")).isEqualTo(0L);
        endAndCheckTone(alice, (Integer) e.get("call"));
      } finally {
        alice.close();
      }
    }
  }

  @Test
  void requireRefusesBaresipWith488AndSaysWhy() throws Exception {
    try (Baresip carol = Baresip.start(dir.resolve("b5"), 28170, 28900, 880, null)) {
      TestPhone alice = TestPhone.start("alice", 28078, 29000, dir, TestPhone.Options.of(Policy.REQUIRE, true));
      try {
        carol.dial(alice.uri());
        EventLog.Event err = alice.log().await("error", T);
        assertThat((String) err.get("message")).contains("488").contains("pqkem-pq-required");
        alice.log().await("ended", T);
        carol.process.awaitLine("488", T);
        assertThat(alice.ua().activeCalls()).isZero();
      } finally {
        alice.close();
      }
    }
  }

  private static EventLog.Event lastMedia(TestPhone p) {
    var media = p.log().all().stream().filter(e -> e.type().equals("media")).toList();
    return media.get(media.size() - 1);
  }
}
