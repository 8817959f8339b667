package org.pqsip.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pqsip.keying.Policy;
import org.pqsip.media.Wav;
import org.pqsip.sip.EventLog;
import org.pqsip.sip.TestPhone;
import org.pqsip.testing.ToneCheck;

/**
 * Two trunk gateways back to back on loopback, each with a plain phone (policy off) of its own
 * site behind it: calls cross from site A to site B and back through the real SIP stack, pqkem
 * between the gateways, plain RTP to the phones. (The same with kamailio and baresip, with a
 * capture of the trunk link, is interop-tests' TrunkGatewayIT.)
 */
class GatewayIT {
  static final Duration T = Duration.ofSeconds(20);
  static final int SIP = 29500;
  static final int MEDIA = 48000;

  @TempDir Path dir;
  private final List<AutoCloseable> open = new ArrayList<>();

  /** Site A: phone 1001 and gateway A; site B: phone 2001 and gateway B. */
  private record Sites(TestPhone a, TestPhone b, TrunkGateway gwA, EventLog gwAEvents, TrunkGateway gwB,
      EventLog gwBEvents) {
    String viaA(String user) {
      return "sip:" + user + "@127.0.0.1:" + (SIP + 10);
    }

    String viaB(String user) {
      return "sip:" + user + "@127.0.0.1:" + (SIP + 20);
    }
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private Sites sites(boolean bAnswers) throws Exception {
    TestPhone a = TestPhone.start("1001", SIP, MEDIA, dir, TestPhone.Options.of(Policy.OFF, true).withTone(440));
    open.add(a);
    TestPhone b = TestPhone.start("2001", SIP + 2, MEDIA + 100, dir, TestPhone.Options.of(Policy.OFF, bAnswers).withTone(660));
    open.add(b);
    EventLog ea = new EventLog("gateway A");
    EventLog eb = new EventLog("gateway B");
    TrunkGateway gwA = gateway("a", SIP + 10, SIP + 12, MEDIA + 200, "sip:2*@* -> sip:127.0.0.1:" + (SIP + 22),
        "sip:1*@* -> sip:127.0.0.1:" + SIP, ea);
    TrunkGateway gwB = gateway("b", SIP + 20, SIP + 22, MEDIA + 400, "sip:1*@* -> sip:127.0.0.1:" + (SIP + 12),
        "sip:2*@* -> sip:127.0.0.1:" + (SIP + 2), eb);
    return new Sites(a, b, gwA, ea, gwB, eb);
  }

  private TrunkGateway gateway(String name, int lanPort, int trunkPort, int media, String toTrunk, String toLan,
      EventLog events) throws Exception {
    List<String> conf = List.of(
        "# gateway " + name,
        "lan.sip = tcp:127.0.0.1:" + lanPort,
        "lan.user = sip:gateway@site-" + name + ".test",
        "lan.policy = off",
        "lan.media = 127.0.0.1:" + media + "-" + (media + 99),
        "trunk.sip = tcp:127.0.0.1:" + trunkPort,
        "trunk.user = sip:gateway@site-" + name + ".test",
        "trunk.media = 127.0.0.1:" + (media + 100) + "-" + (media + 199),
        "to-trunk = " + toTrunk,
        "to-lan = " + toLan);
    TrunkGateway g = TrunkGateway.start(GatewaySettings.parse(conf, Files.createDirectories(dir.resolve("gw-" + name))),
        events);
    open.add(g);
    return g;
  }

  static EventLog.Event awaitPackets(TestPhone p, long n) throws InterruptedException {
    return p.log().await(e -> e.type().equals("media") && ((Long) e.get("packetsReceived")) >= n, T, n + " packets received");
  }

  @Test
  void aPlainPhoneCallsAnotherSiteWithPqKeysBetweenTheGateways() throws Exception {
    Sites s = sites(true);
    int call = s.a().ua().call(s.viaA("2001"));
    EventLog.Event a = s.a().log().await("established", T);
    EventLog.Event b = s.b().log().await("established", T);
    assertThat(a.get("security")).isEqualTo("none");
    assertThat(b.get("security")).isEqualTo("none");
    EventLog.Event bridgedA = s.gwAEvents().await("bridged", T);
    EventLog.Event bridgedB = s.gwBEvents().await("bridged", T);
    assertThat(bridgedA.get("direction")).isEqualTo("to-trunk");
    assertThat(bridgedB.get("direction")).isEqualTo("from-trunk");
    assertThat(bridgedA.get("security")).isEqualTo("pq");
    assertThat(bridgedA.get("kem")).isEqualTo("mlkem1024-x25519");
    assertThat(bridgedA.get("sas")).as("both gateways show the trunk's SAS").isNotNull().isEqualTo(bridgedB.get("sas"));
    assertThat(bridgedA.get("verification")).isEqualTo("new-peer");
    awaitPackets(s.a(), 100);
    awaitPackets(s.b(), 100);
    s.a().ua().hangup(call);
    s.b().log().await("ended", T);
    s.gwAEvents().await("ended", T);
    s.gwBEvents().await("ended", T);
    assertThat(ToneCheck.dominates(Wav.read(s.a().recording()), 660)).as("1001 hears 2001's 660 Hz").isTrue();
    assertThat(ToneCheck.dominates(Wav.read(s.b().recording()), 440)).as("2001 hears 1001's 440 Hz").isTrue();
    awaitIdle(s.gwA());
    awaitIdle(s.gwB());
    try (GatewayMetrics m = GatewayMetrics.serve(s.gwA(), new java.net.InetSocketAddress("127.0.0.1", 0))) {
      java.net.HttpURLConnection c = (java.net.HttpURLConnection)
          java.net.URI.create("http://127.0.0.1:" + m.port() + "/metrics").toURL().openConnection();
      String text = new String(c.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(text).contains("pqgw_call_outcomes_total{outcome=\"bridged\"} 1.0", "pqgw_calls 0.0", "pqgw_media_sockets 0.0");
      assertThat(text).as("aggregate only").doesNotContain("1001", "2001", "sip:", "127.0.0.1");
    }
  }

  @Test
  void theOtherSiteCallsBackAndTheTrunkShowsContinuity() throws Exception {
    Sites s = sites(true);
    int first = s.a().ua().call(s.viaA("2001"));
    s.gwAEvents().await("bridged", T);
    // Gateway B commits the trunk's continuity once gateway A's reveal confirms the exchange,
    // which its bridged event follows: hanging up before that would leave B with nothing to prove.
    s.gwBEvents().await("bridged", T);
    s.a().ua().hangup(first);
    s.gwBEvents().await("ended", T);
    // Now site B calls site A: gateway B is the pqkem offerer, and gateway A knows it already.
    int back = s.b().ua().call(s.viaB("1001"));
    EventLog.Event bridgedB = s.gwBEvents().await(e -> e.type().equals("bridged") && e.get("call").equals(2), T, "second bridged");
    EventLog.Event bridgedA = s.gwAEvents().await(e -> e.type().equals("bridged") && e.get("call").equals(2), T, "second bridged");
    assertThat(bridgedB.get("direction")).isEqualTo("to-trunk");
    assertThat(bridgedA.get("direction")).isEqualTo("from-trunk");
    assertThat(bridgedB.get("verification")).isEqualTo("continuity");
    assertThat(bridgedA.get("verification")).isEqualTo("continuity");
    awaitPackets(s.a(), 50);
    s.b().ua().hangup(back);
    s.a().log().await(e -> e.type().equals("ended") && e.get("call").equals(2), T, "second call ended");
    awaitIdle(s.gwA());
    awaitIdle(s.gwB());
  }

  @Test
  void aRefusalAtTheFarSiteReachesTheCallerWithItsCode() throws Exception {
    Sites s = sites(false);
    s.a().ua().call(s.viaA("2001"));
    EventLog.Event ringing = s.b().log().await("incoming", T);
    s.b().ua().hangup((Integer) ringing.get("call")); // 486 Busy Here
    EventLog.Event ended = s.a().log().await("ended", T);
    assertThat(ended.get("reason")).isEqualTo("refused");
    assertThat(ended.get("code")).isEqualTo(486);
    assertThat(s.gwAEvents().await("refused", T).get("code")).isEqualTo(486);
    awaitIdle(s.gwA());
    awaitIdle(s.gwB());
  }

  @Test
  void aCallWithoutARouteIsRefusedWith404AndNothingIsPlaced() throws Exception {
    Sites s = sites(true);
    s.a().ua().call(s.viaA("3001"));
    EventLog.Event ended = s.a().log().await("ended", T);
    assertThat(ended.get("code")).isEqualTo(404);
    assertThat(s.gwA().stats().noRoute()).isEqualTo(1);
    assertThat(s.gwA().stats().attempts()).isZero();
  }

  @Test
  void aCallerHangingUpWhileTheFarPhoneRingsCancelsTheTrunkLeg() throws Exception {
    Sites s = sites(false);
    int call = s.a().ua().call(s.viaA("2001"));
    s.b().log().await("incoming", T);
    s.a().ua().hangup(call); // CANCEL to gateway A, which cancels the trunk leg, and so on
    s.b().log().await("ended", T);
    awaitIdle(s.gwA());
    awaitIdle(s.gwB());
  }

  /** No call pair, and no media socket, is left behind. */
  private static void awaitIdle(TrunkGateway g) throws InterruptedException {
    long deadline = System.nanoTime() + T.toNanos();
    while (g.activeCalls() != 0 || g.mediaSockets() != 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("gateway still holds " + g.activeCalls() + " calls, " + g.mediaSockets() + " media sockets");
      }
      synchronized (g) {
        g.wait(20); // polled: the gateway has no "idle" event to wait for
      }
    }
  }
}
