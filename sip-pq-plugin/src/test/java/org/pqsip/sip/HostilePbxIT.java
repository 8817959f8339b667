package org.pqsip.sip;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pqsip.keying.Policy;
import org.pqsip.sdp.PqKemAttribute;
import org.pqsip.sdp.SessionDescription;

/**
 * Real phones on loopback against a PBX that is hostile: it stays in the dialog (anchors it) and
 * rewrites what crosses it, or floods a phone with broken offers. Every wait has a deadline.
 */
class HostilePbxIT extends LoopbackPhones {
  static final Duration T = Duration.ofSeconds(15);

  HostilePbxIT() {
    super(27070, 47000);
  }

  private static long received(TestPhone p) {
    return PhoneCallIT.lastMedia(p).get("packetsReceived") instanceof Long l ? l : 0;
  }

  /**
   * A PBX on {@code port} that anchors the dialog to {@code callee} and strips {@code a=pqkem}
   * from every INVITE after the first towards it; counts INVITEs in {@code invites[0]}.
   */
  private static SdpRewritingProxy anchoringPbxStrippingReInvites(int port, TestPhone callee, int[] invites)
      throws Exception {
    SdpRewritingProxy.Rewriter strip = (towardCallee, start, body) -> {
      if (towardCallee && start.startsWith("INVITE") && ++invites[0] > 1) {
        return SessionDescription.parse(body).withoutSessionLines(l -> l.isAttribute(PqKemAttribute.NAME)).format();
      }
      return body;
    };
    return new SdpRewritingProxy(port, new InetSocketAddress(InetAddress.getLoopbackAddress(), callee.port()), strip, true);
  }

  @Test
  void pbxStrippingPqkemFromAReInviteGets488AndTheCallKeepsItsKeys() throws Exception {
    TestPhone alice = phone("alice", Policy.PREFER, false);
    TestPhone bob = phone("bob", Policy.PREFER, true);
    int[] invites = {0};
    int proxyPort = phones.port();
    try (SdpRewritingProxy pbx = anchoringPbxStrippingReInvites(proxyPort, bob, invites)) {
      int id = alice.ua().call("sip:bob@127.0.0.1:" + proxyPort + ";transport=tcp");
      assertThat(alice.log().await("established", T).get("security")).isEqualTo("pq");
      assertThat(bob.log().await("established", T).get("security")).isEqualTo("pq");
      PhoneCallIT.awaitPackets(bob, 50);
      alice.ua().rekey(id);
      assertThat((String) bob.log().await("error", T).get("message")).contains("pqkem-downgrade-refused");
      assertThat((String) alice.log().await("error", T).get("message")).contains("488");
      assertThat(invites[0]).isEqualTo(2);
      // The call goes on under the keys it had: everything received still authenticates as SRTP.
      long b = received(bob);
      long a = received(alice);
      PhoneCallIT.awaitPackets(bob, b + 100);
      PhoneCallIT.awaitPackets(alice, a + 100);
      alice.ua().hangup(id);
      bob.log().await("ended", T);
      for (TestPhone p : List.of(alice, bob)) {
        assertThat(PhoneCallIT.lastMedia(p).get("authFailures")).isEqualTo(0L);
        assertThat(p.log().all()).extracting(EventLog.Event::type).doesNotContain("rekeyed", "peer-changed");
      }
      assertThat(pbx.failures).isEmpty();
    }
  }

  /**
   * An admin (or a compromised management plane) lowers the phone's policy to off during a pq
   * call, then the PBX strips pqkem from a re-INVITE: the call still refuses it, because a call
   * keeps the policy it was set up with (the OSGi component applies policy changes live, to new
   * calls only).
   */
  @Test
  void loweringThePolicyMidCallDoesNotLetAReInviteDowngradeTheCall() throws Exception {
    TestPhone alice = phone("alice", Policy.REQUIRE, false);
    TestPhone bob = phone("bob", Policy.REQUIRE, true);
    int[] invites = {0};
    int proxyPort = phones.port();
    try (SdpRewritingProxy pbx = anchoringPbxStrippingReInvites(proxyPort, bob, invites)) {
      int id = alice.ua().call("sip:bob@127.0.0.1:" + proxyPort + ";transport=tcp");
      assertThat(bob.log().await("established", T).get("security")).isEqualTo("pq");
      PhoneConfig c = bob.ua().config();
      bob.ua().reconfigure(new PhoneConfig(c.sipAddress(), c.user(), c.keying().withPolicy(Policy.OFF),
          c.mediaAddress(), c.mediaPortMin(), c.mediaPortMax(), c.codec(), c.audio(), c.record(), c.outboundProxy(),
          c.autoAnswer(), c.revealTimeout(), c.tls(), c.ice()));
      assertThat(bob.ua().config().keying().policy()).isEqualTo(Policy.OFF);
      alice.ua().rekey(id);
      assertThat((String) bob.log().await("error", T).get("message")).contains("pqkem-downgrade-refused");
      assertThat((String) alice.log().await("error", T).get("message")).contains("488");
      alice.ua().hangup(id);
      bob.log().await("ended", T);
      assertThat(bob.log().all()).extracting(EventLog.Event::type).doesNotContain("rekeyed", "peer-changed");
      assertThat(pbx.failures).isEmpty();
    }
  }

  /** Offers that once threw out of the INVITE handler, leaked media ports or hung the call. */
  static final List<String> BROKEN_SDP = List.of(
      sdp("m=audio 65535 RTP/AVP 0\r\n"),
      sdp("m=audio 4000 RTP/AVP 0\r\na=rtcp:70000\r\n"),
      sdp("m=audio 4000 RTP/AVP 0\r\na=rtcp:-1\r\n"),
      sdp("m=audio 4000 RTP/AVP 0\r\na=rtcp:x\r\n"),
      sdp("m=audio 0 RTP/AVP 0\r\n"),
      sdp("m=audio 4000 RTP/AVP 0\r\n").replace("c=IN IP4 127.0.0.1\r\n", ""),
      sdp("m=audio 4000 RTP/AVP 0\r\n").replace("c=IN IP4 127.0.0.1", "c=IN IP4 pbx.example"),
      sdp("a=pqkem:1 mlkem1024-x25519 AAAA dev=x commit=y srtp=AEAD_AES_256_GCM\r\nm=audio 4000 RTP/SAVP 0\r\n"),
      sdp("a=pqkem:1 mlkem1024-x25519 !!!! dev=x\r\nm=audio 4000 RTP/AVP 0\r\n"),
      sdp("m=audio 4000 RTP/AVP 0\r\nm=video 4002 RTP/AVP 96\r\na=rtcp:99999\r\n"),
      sdp("m=audio 4000 RTP/AVP 18\r\n"),
      "v=0\r\nm=audio\r\n",
      "v=1\r\n",
      "");

  private static String sdp(String tail) {
    return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" + tail;
  }

  @Test
  void hundredsOfBrokenOffersLeaveNoCallPortOrThreadAndAPqCallStillWorks() throws Exception {
    TestPhone bob = phone("bob", Policy.REQUIRE, true);
    int threadsBefore = Thread.activeCount();
    int rounds = 20;
    for (int i = 0; i < rounds; i++) {
      for (String broken : BROKEN_SDP) {
        String response = PhoneCallIT.rawInvite(bob.port(), broken);
        assertThat(response).as("response to %s", broken).matches("(?s)SIP/2\\.0 (400|488|500) .*");
      }
    }
    int total = rounds * BROKEN_SDP.size();
    bob.log().await(e -> e.type().equals("ended") && e.get("call").equals(total), T, "every broken call ended");
    assertThat(bob.ua().activeCalls()).isZero();
    assertThat(bob.log().all()).filteredOn(e -> e.type().equals("established")).isEmpty();
    assertThat(PhoneCallIT.mediaThreads()).isZero();
    // Threads do not grow with the number of calls (280): a few of JAIN-SIP's per-connection
    // readers may still be closing their sockets.
    assertThat(Thread.activeCount()).isLessThanOrEqualTo(threadsBefore + 5);
    int base = phones.mediaBase(bob.port());
    for (int port = base; port <= base + 99; port++) {
      try (DatagramSocket s = new DatagramSocket(port, InetAddress.getLoopbackAddress())) {
        assertThat(s.isBound()).isTrue();
      } catch (SocketException e) {
        throw new AssertionError("media port " + port + " is still held after the broken calls", e);
      }
    }
    TestPhone alice = phone("alice", Policy.REQUIRE, false);
    alice.ua().call(bob.uri());
    assertThat(alice.log().await("established", T).get("security")).isEqualTo("pq");
    assertThat(bob.log().await("established", T).get("security")).isEqualTo("pq");
  }

  @Test
  void sasConfirmedByTheUserMakesTheNextCallVerifiedAsThatIdentity() throws Exception {
    TestPhone alice = phone("alice", Policy.REQUIRE, false);
    TestPhone bob = phone("bob", Policy.REQUIRE, true);
    int first = alice.ua().call(bob.uri());
    assertThat(alice.log().await("established", T).get("verification")).isEqualTo("new-peer");
    bob.log().await("established", T);
    alice.ua().verifySas(first);
    bob.ua().verifySas(1);
    assertThat(alice.log().await("verified", T).get("verification")).isEqualTo("verified");
    assertThat(bob.log().await("verified", T).get("verification")).isEqualTo("verified");
    alice.ua().hangup(first);
    bob.log().await("ended", T);
    alice.ua().call(bob.uri());
    EventLog.Event a = alice.log().await(e -> e.type().equals("established") && e.get("call").equals(2), T, "second call");
    EventLog.Event b = bob.log().await(e -> e.type().equals("established") && e.get("call").equals(2), T, "second call");
    assertThat(a.get("verification")).isEqualTo("verified");
    assertThat(b.get("verification")).isEqualTo("verified");
    assertThat(a.get("verifiedAs")).isEqualTo("sip:bob@127.0.0.1");
    assertThat(b.get("verifiedAs")).isEqualTo("sip:alice@pq.test");
  }
}
