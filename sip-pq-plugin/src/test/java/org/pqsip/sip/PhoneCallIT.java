package org.pqsip.sip;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.pqsip.keying.AnswerOutcome;
import org.pqsip.keying.InMemoryPeerStore;
import org.pqsip.keying.KemAnswer;
import org.pqsip.keying.KemOffer;
import org.pqsip.keying.KeyingConfig;
import org.pqsip.keying.KeyingSession;
import org.pqsip.keying.Policy;
import org.pqsip.media.Wav;
import org.pqsip.sdp.PqKemAttribute;
import org.pqsip.sdp.SessionDescription;
import org.pqsip.testing.ToneCheck;

/**
 * Real user agents on loopback: SIP over TCP through JAIN-SIP, SRTP media over UDP, pqkem keys,
 * and a man in the middle that rewrites SDP. Every wait has a deadline; nothing sleeps.
 */
class PhoneCallIT extends LoopbackPhones {
  static final Duration T = Duration.ofSeconds(15);

  PhoneCallIT() {
    super(25070, 42000);
  }

  static EventLog.Event awaitPackets(TestPhone p, long n) throws InterruptedException {
    return p.log().await(e -> e.type().equals("media") && ((Long) e.get("packetsReceived")) >= n, T, n + " packets received");
  }

  @Test
  void pqCallCarriesTheToneBothWaysWithMatchingSas() throws Exception {
    TestPhone alice = phone("alice", Policy.REQUIRE, false);
    TestPhone bob = phone("bob", Policy.REQUIRE, true);
    int id = alice.ua().call(bob.uri());
    EventLog.Event a = alice.log().await("established", T);
    EventLog.Event b = bob.log().await("established", T);
    assertThat(a.get("security")).isEqualTo("pq");
    assertThat(b.get("security")).isEqualTo("pq");
    assertThat(a.get("kem")).isEqualTo("mlkem1024-x25519");
    assertThat(a.get("srtp")).isEqualTo("AEAD_AES_256_GCM");
    assertThat(a.get("sas")).isNotNull().isEqualTo(b.get("sas"));
    assertThat(a.get("verification")).isEqualTo("new-peer");
    awaitPackets(alice, 100);
    awaitPackets(bob, 100);
    alice.ua().hangup(id);
    bob.log().await("ended", T);
    EventLog.Event last = lastMedia(alice);
    assertThat(last.get("authFailures")).isEqualTo(0L);
    assertThat(last.get("packetsLost")).isEqualTo(0L);
    assertThat(ToneCheck.dominates(Wav.read(dir.resolve("alice.wav")), 660)).as("alice hears bob's 660 Hz").isTrue();
    assertThat(ToneCheck.dominates(Wav.read(dir.resolve("bob.wav")), 440)).as("bob hears alice's 440 Hz").isTrue();
    assertThat(alice.ua().activeCalls()).isZero();
    assertThat(bob.ua().activeCalls()).isZero();
  }

  /** A phone without auto-answer rings; the call is set up only when its user (or a gateway) answers. */
  @Test
  void aRingingPhoneAnsweredLaterGivesAPqCall() throws Exception {
    TestPhone alice = phone("alice", Policy.REQUIRE, false);
    TestPhone bob = phone("bob", Policy.REQUIRE, false);
    int id = alice.ua().call(bob.uri());
    EventLog.Event incoming = bob.log().await("incoming", T);
    int bobsCall = (Integer) incoming.get("call");
    bob.ua().answer(bobsCall + 1000);
    assertThat((String) bob.log().await("error", T).get("message")).contains("no ringing call");
    bob.ua().answer(bobsCall);
    EventLog.Event a = alice.log().await("established", T);
    EventLog.Event b = bob.log().await("established", T);
    assertThat(a.get("security")).isEqualTo("pq");
    assertThat(a.get("sas")).isNotNull().isEqualTo(b.get("sas"));
    awaitPackets(bob, 50);
    alice.ua().hangup(id);
    bob.log().await("ended", T);
    assertThat(bob.ua().activeCalls()).isZero();
  }

  @Test
  void secondCallShowsContinuityAndSecretsAreStoredPrivately() throws Exception {
    TestPhone alice = phone("alice", Policy.REQUIRE, false);
    TestPhone bob = phone("bob", Policy.REQUIRE, true);
    for (int call = 1; call <= 2; call++) {
      int id = alice.ua().call(bob.uri());
      int n = call;
      EventLog.Event a = alice.log().await(e -> e.type().equals("established") && e.get("call").equals(n), T, "established #" + n);
      EventLog.Event b = bob.log().await(e -> e.type().equals("established") && e.get("call").equals(n), T, "established #" + n);
      String expected = call == 1 ? "new-peer" : "continuity";
      assertThat(a.get("verification")).isEqualTo(expected);
      assertThat(b.get("verification")).isEqualTo(expected);
      alice.ua().hangup(id);
      bob.log().await(e -> e.type().equals("ended") && e.get("call").equals(n), T, "ended #" + n);
    }
    alice.store().flush();
    Path file = alice.store().file();
    assertThat(Files.readString(file)).contains("device ");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(Files.readString(file)).doesNotContain("bob").doesNotContain("127.0.0.1");
  }

  @Test
  void pqCallOverTlsSignallingWithSdesOfferedAsFallback() throws Exception {
    SipTls tls = TestCertificate.create(dir);
    TestPhone alice = phone("alice", TestPhone.Options.of(Policy.PREFER, false).withSdes(tls));
    TestPhone bob = phone("bob", TestPhone.Options.of(Policy.PREFER, true).withSdes(tls));
    int id = alice.ua().call(bob.uri());
    EventLog.Event a = alice.log().await("established", T);
    EventLog.Event b = bob.log().await("established", T);
    assertThat(a.get("security")).isEqualTo("pq");
    assertThat(b.get("security")).isEqualTo("pq");
    assertThat(a.get("sas")).isEqualTo(b.get("sas"));
    awaitPackets(bob, 50);
    alice.ua().rekey(id); // in-dialog requests go to the TLS Contact
    assertThat(alice.log().await("rekeyed", T).get("sas")).isEqualTo(a.get("sas"));
    bob.log().await("rekeyed", T);
    alice.ua().hangup(id);
    bob.log().await("ended", T);
  }

  @Test
  void tlsPeerPresentingACertificateWeDoNotTrustIsNotCalled() throws Exception {
    SipTls ours = TestCertificate.create(Files.createDirectories(dir.resolve("a-cert")));
    SipTls theirs = TestCertificate.create(Files.createDirectories(dir.resolve("b-cert")));
    TestPhone alice = phone("alice", TestPhone.Options.of(Policy.REQUIRE, false).withTls(ours));
    TestPhone bob = phone("bob", TestPhone.Options.of(Policy.REQUIRE, true).withTls(theirs));
    assertTheCallNeverReachesBob(alice, bob);
  }

  @Test
  void tlsPeerWithATrustedCertificateForAnotherNameIsNotCalled() throws Exception {
    // Bob's certificate is trusted (Alice accepts exactly it as an authority) but names
    // other.test, not the 127.0.0.1 Alice dials: RFC 5922 server identity fails.
    SipTls ours = TestCertificate.create(Files.createDirectories(dir.resolve("a-cert")));
    SipTls elsewhere = TestCertificate.create(Files.createDirectories(dir.resolve("b-cert")), "DNS:other.test");
    TestPhone alice = phone("alice", TestPhone.Options.of(Policy.REQUIRE, false)
        .withTls(new SipTls(ours.certificate(), ours.privateKey(), Optional.of(elsewhere.certificate()))));
    TestPhone bob = phone("bob", TestPhone.Options.of(Policy.REQUIRE, true).withTls(elsewhere));
    assertTheCallNeverReachesBob(alice, bob);
  }

  /** Alice's TLS connection is refused: her call ends in an error and Bob never sees it. */
  private static void assertTheCallNeverReachesBob(TestPhone alice, TestPhone bob) throws InterruptedException {
    alice.ua().call(bob.uri());
    assertThat(alice.log().await("ended", T).get("reason")).isEqualTo("error");
    assertThat(alice.log().all()).extracting(EventLog.Event::type).doesNotContain("established");
    assertThat(bob.log().all()).extracting(EventLog.Event::type).doesNotContain("incoming");
  }

  @Test
  void sdesWithoutTlsSignallingIsRefusedAtStartWithTheReason() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> phone("alice", TestPhone.Options.of(Policy.PREFER, false).withSdes(null)))
        .isInstanceOf(NullPointerException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> phone("carol", new TestPhone.Options(Policy.PREFER, true, false, 440, Optional.empty(), Optional.empty())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs SIP over TLS");
  }

  @Test
  void reInviteRekeysWithoutDroppingAudio() throws Exception {
    TestPhone alice = phone("alice", Policy.REQUIRE, false);
    TestPhone bob = phone("bob", Policy.REQUIRE, true);
    int id = alice.ua().call(bob.uri());
    EventLog.Event first = alice.log().await("established", T);
    bob.log().await("established", T);
    awaitPackets(bob, 50);
    alice.ua().rekey(id);
    EventLog.Event ra = alice.log().await("rekeyed", T);
    EventLog.Event rb = bob.log().await("rekeyed", T);
    // Chained to the call's keys: the same peer, so the same SAS and verification as before.
    assertThat(ra.get("sas")).isEqualTo(rb.get("sas")).isEqualTo(first.get("sas"));
    assertThat(ra.get("verification")).isEqualTo(first.get("verification"));
    long before = lastMedia(bob).get("packetsReceived") instanceof Long l ? l : 0;
    awaitPackets(bob, before + 100);
    awaitPackets(alice, before + 100);
    alice.ua().hangup(id);
    bob.log().await("ended", T);
    assertThat(lastMedia(alice).get("authFailures")).isEqualTo(0L);
    assertThat(lastMedia(bob).get("authFailures")).isEqualTo(0L);
    assertThat(lastMedia(bob).get("packetsLost")).isEqualTo(0L);
  }

  @Test
  void requireRefusesAPlainCallerWith488AndSaysWhy() throws Exception {
    TestPhone legacy = phone("alice", Policy.OFF, false);
    TestPhone bob = phone("bob", Policy.REQUIRE, true);
    legacy.ua().call(bob.uri());
    EventLog.Event err = legacy.log().await("error", T);
    assertThat((String) err.get("message")).contains("488").contains("pqkem-pq-required");
    legacy.log().await("ended", T);
    assertThat((String) bob.log().await("error", T).get("message")).contains("pqkem-pq-required");
    assertThat(bob.ua().activeCalls()).isZero();
  }

  @Test
  void preferInteroperatesWithAPlainPhoneAndSaysItIsUnencrypted() throws Exception {
    TestPhone alice = phone("alice", Policy.PREFER, false);
    TestPhone plain = phone("bob", Policy.OFF, true);
    int id = alice.ua().call(plain.uri());
    EventLog.Event a = alice.log().await("established", T);
    assertThat(a.get("security")).isEqualTo("none");
    assertThat(a.get("verification")).isEqualTo("none");
    assertThat(a.get("sas")).isNull();
    awaitPackets(alice, 50);
    alice.ua().hangup(id);
    plain.log().await("ended", T);
  }

  @Test
  void cancelWhileRingingEndsBothSides() throws Exception {
    TestPhone alice = phone("alice", Policy.REQUIRE, false);
    TestPhone bob = phone("bob", Policy.REQUIRE, false); // rings, never answers
    int id = alice.ua().call(bob.uri());
    bob.log().await("incoming", T);
    alice.ua().hangup(id);
    assertThat(bob.log().await("ended", T).get("reason")).isEqualTo("cancelled");
    assertThat(alice.log().await("ended", T).get("reason")).isEqualTo("local-hangup");
    assertThat(alice.ua().activeCalls()).isZero();
    assertThat(bob.ua().activeCalls()).isZero();
  }

  @Test
  void callsLeaveNoThreadsOrSocketsBehind() throws Exception {
    TestPhone alice = phone("alice", Policy.PREFER, false);
    TestPhone bob = phone("bob", Policy.REQUIRE, true);
    TestPhone plain = phone("carol", Policy.OFF, true);
    long fdsBefore = openFiles();
    for (int i = 1; i <= 3; i++) {
      int n = i;
      int id = alice.ua().call(bob.uri());
      alice.log().await(e -> e.type().equals("established") && e.get("call").equals(n), T, "call " + n);
      alice.ua().hangup(id);
      bob.log().await(e -> e.type().equals("ended") && e.get("call").equals(n), T, "end " + n);
    }
    int refused = alice.ua().call("sip:nobody@127.0.0.1:1;transport=tcp"); // connection refused
    alice.log().await(e -> e.type().equals("ended") && e.get("call").equals(refused), T, "refused call ends");
    legacyRefusal(plain, bob);
    assertThat(alice.ua().activeCalls()).isZero();
    assertThat(bob.ua().activeCalls()).isZero();
    assertThat(mediaThreads()).isZero();
    assertThat(openFiles()).as("file descriptors (sockets, recordings)").isLessThanOrEqualTo(fdsBefore + 4);
  }

  private static void legacyRefusal(TestPhone plain, TestPhone bob) throws InterruptedException {
    plain.ua().call(bob.uri());
    plain.log().await("ended", T);
  }

  static long mediaThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("pqsip-media")).count();
  }

  private static long openFiles() throws java.io.IOException {
    try (var s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }

  @Test
  void malformedSdpInInviteGetsAnErrorResponseAndNoCallIsLeft() throws Exception {
    TestPhone bob = phone("bob", Policy.REQUIRE, true);
    String response = rawInvite(bob.port(), "v=0\r\nthis is not sdp\r\n");
    assertThat(response).startsWith("SIP/2.0 400").contains("sdp-malformed");
    assertThat((String) bob.log().await("error", T).get("message")).contains("malformed SDP");
    bob.log().await("ended", T);
    assertThat(bob.ua().activeCalls()).isZero();
  }

  @Test
  void truncatedInviteIsAnErrorAndLeavesNothingBehind() throws Exception {
    TestPhone bob = phone("bob", Policy.REQUIRE, true);
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), bob.port())) {
      String full = invite(bob.port(), "v=0\r\n", 4000);
      s.getOutputStream().write(full.substring(0, full.indexOf("\r\n\r\n") + 4).getBytes(StandardCharsets.US_ASCII));
      s.shutdownOutput(); // the body never comes
      s.setSoTimeout((int) T.toMillis());
      s.getInputStream().readAllBytes();
    }
    // A complete call afterwards still works: nothing is stuck.
    TestPhone alice = phone("alice", Policy.REQUIRE, false);
    int good = alice.ua().call(bob.uri());
    alice.log().await("established", T);
    Object bobsGood = bob.log().await("established", T).get("call");
    // JAIN-SIP may hand the headers alone on when the connection closes (possibly after our read
    // returned): then we must have said why and ended that call.
    for (EventLog.Event e : bob.log().all()) {
      if (e.type().equals("incoming") && !e.get("call").equals(bobsGood)) {
        EventLog.Event ended = bob.log().await(x -> x.type().equals("ended") && x.get("call").equals(e.get("call")), T,
            "the truncated INVITE's call ended");
        assertThat(ended.get("reason")).isEqualTo("refused");
        assertThat(bob.log().all()).anySatisfy(x -> assertThat(x.type()).isEqualTo("error"));
      }
    }
    alice.ua().hangup(good);
    bob.log().await(x -> x.type().equals("ended") && x.get("call").equals(bobsGood), T, "the good call ended");
    assertThat(bob.ua().activeCalls()).as("nothing left behind").isZero();
  }

  @Test
  void corruptCiphertextInTheAnswerFailsTheCallCleanly() throws Exception {
    TestPhone alice = phone("alice", Policy.REQUIRE, false);
    TestPhone bob = phone("bob", Policy.REQUIRE, true);
    int proxyPort = phones.port();
    try (SdpRewritingProxy proxy =
        new SdpRewritingProxy(proxyPort, new InetSocketAddress(InetAddress.getLoopbackAddress(), bob.port()),
            (towardCallee, start, body) -> towardCallee ? body : flipBlobCharacter(body))) {
      alice.ua().call("sip:bob@127.0.0.1:" + proxyPort + ";transport=tcp");
      EventLog.Event err = alice.log().await("error", T);
      assertThat((String) err.get("message")).contains("pqkem-confirmation-failed");
      assertThat(alice.log().await("ended", T).get("reason")).isEqualTo("error");
      bob.log().await("ended", T);
      assertThat(alice.log().all()).extracting(EventLog.Event::type).doesNotContain("established");
      assertThat(alice.ua().activeCalls()).isZero();
      assertThat(bob.ua().activeCalls()).isZero();
    }
  }

  @Test
  void manInTheMiddleReplacingPqkemBothWaysIsNeverASecureCall() throws Exception {
    TestPhone alice = phone("alice", Policy.REQUIRE, false);
    TestPhone bob = phone("bob", Policy.REQUIRE, true);
    for (int n = 1; n <= 2; n++) { // two earlier clean calls: each side has seen the other prove a secret
      int call = n;
      int clean = alice.ua().call(bob.uri());
      alice.log().await(e -> e.type().equals("established") && e.get("call").equals(call), T, "clean call");
      bob.log().await(e -> e.type().equals("established") && e.get("call").equals(call), T, "clean call");
      alice.ua().hangup(clean);
      bob.log().await(e -> e.type().equals("ended") && e.get("call").equals(call), T, "clean end");
    }

    Mallory mallory = new Mallory();
    int proxyPort = phones.port();
    try (SdpRewritingProxy proxy =
        new SdpRewritingProxy(proxyPort, new InetSocketAddress(InetAddress.getLoopbackAddress(), bob.port()), mallory)) {
      alice.ua().call("sip:bob@127.0.0.1:" + proxyPort + ";transport=tcp");
      EventLog.Event a = alice.log().await(e -> e.type().equals("established") && e.get("call").equals(3), T, "third call");
      assertThat(a.get("verification")).as("alice holds bob's retained secret; mallory cannot prove it").isEqualTo("mismatch");
      assertThat((String) alice.log().await(e -> e.type().equals("error") && e.get("call").equals(3), T, "warning").get("message")).contains("mismatch");
      // Bob never gets a reveal Mallory could make: the call is shown as unconfirmed, loudly.
      EventLog.Event b = bob.log().await(e -> e.type().equals("established") && e.get("call").equals(3), T, "bob's third call");
      assertThat(b.get("verification")).isEqualTo("unconfirmed");
      assertThat(b.get("sas")).isNull();
      EventLog.Event bobError = bob.log().await(e -> e.type().equals("error") && e.get("call").equals(3), T, "bob's warning");
      assertThat((String) bobError.get("message")).contains("unconfirmed");
      assertThat(proxy.failures).isEmpty();
    }
  }

  /** Terminates pqkem on both legs, claiming the real parties' device ids. */
  static final class Mallory implements SdpRewritingProxy.Rewriter {
    private final SecureRandom r = new SecureRandom();
    private KemOffer aliceOffer;

    @Override
    public String rewrite(boolean towardCallee, String start, String body) throws Exception {
      SessionDescription sdp = SessionDescription.parse(body);
      List<String> values = sdp.attributeValues(PqKemAttribute.NAME);
      if (values.isEmpty()) {
        return body;
      }
      if (towardCallee && start.startsWith("INVITE")) {
        aliceOffer = PqKemAttribute.selectOffer(values).orElseThrow();
        KeyingSession toBob = new KeyingSession(
            KeyingConfig.defaults(Policy.REQUIRE, aliceOffer.device()), new InMemoryPeerStore(), "bob", r);
        return replace(sdp, PqKemAttribute.formatOffer(toBob.createOffer().orElseThrow()));
      }
      if (!towardCallee && start.startsWith("SIP/2.0 200")) {
        KemAnswer bobAnswer = PqKemAttribute.selectAnswer(values).orElseThrow();
        KeyingSession toAlice = new KeyingSession(
            KeyingConfig.defaults(Policy.REQUIRE, bobAnswer.device()), new InMemoryPeerStore(), "alice", r);
        AnswerOutcome forged = toAlice.onOffer(Optional.of(aliceOffer));
        return replace(sdp, PqKemAttribute.formatAnswer(forged.answer().orElseThrow()));
      }
      return body;
    }

    private static String replace(SessionDescription sdp, String value) {
      return sdp.withoutSessionLines(l -> l.isAttribute(PqKemAttribute.NAME))
          .withSessionAttribute(PqKemAttribute.NAME, value)
          .format();
    }
  }

  static String flipBlobCharacter(String body) {
    int at = body.indexOf("a=pqkem:1 mlkem1024-x25519 ") + 40;
    char c = body.charAt(at) == 'A' ? 'B' : 'A';
    return body.substring(0, at) + c + body.substring(at + 1);
  }

  static EventLog.Event lastMedia(TestPhone p) {
    List<EventLog.Event> media = p.log().all().stream().filter(e -> e.type().equals("media")).toList();
    assertThat(media).isNotEmpty();
    return media.get(media.size() - 1);
  }

  static String invite(int port, String sdp, int contentLength) {
    return "INVITE sip:bob@127.0.0.1:" + port + ";transport=tcp SIP/2.0\r\n"
        + "Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK" + System.nanoTime() + "\r\n"
        + "Max-Forwards: 70\r\n"
        + "From: <sip:raw@pq.test>;tag=raw1\r\n"
        + "To: <sip:bob@pq.test>\r\n"
        + "Call-ID: raw-" + System.nanoTime() + "@pq.test\r\n"
        + "CSeq: 1 INVITE\r\n"
        + "Contact: <sip:raw@127.0.0.1:5999;transport=tcp>\r\n"
        + "Content-Type: application/sdp\r\n"
        + "Content-Length: " + contentLength + "\r\n\r\n"
        + sdp;
  }

  /** Sends one INVITE over a raw TCP connection and returns the first final response. */
  static String rawInvite(int port, String sdp) throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout((int) T.toMillis());
      OutputStream out = s.getOutputStream();
      out.write(invite(port, sdp, sdp.getBytes(StandardCharsets.US_ASCII).length).getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      StringBuilder sb = new StringBuilder();
      int c;
      while ((c = in.read()) >= 0) {
        sb.append((char) c);
        int end = sb.indexOf("\r\n\r\n");
        if (end >= 0) {
          String msg = sb.substring(0, end);
          if (!msg.startsWith("SIP/2.0 1")) {
            return msg;
          }
          sb.delete(0, end + 4);
        }
      }
      return sb.toString();
    }
  }
}
