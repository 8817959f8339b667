package org.pqsip.call;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.pqsip.keying.DeviceId;
import org.pqsip.keying.InMemoryPeerStore;
import org.pqsip.keying.KeyingConfig;
import org.pqsip.keying.PeerStore;
import org.pqsip.keying.Policy;
import org.pqsip.media.AudioCodec;
import org.pqsip.negotiation.CallSecurity;
import org.pqsip.negotiation.SdpNegotiator;
import org.pqsip.sdp.PqKemAttribute;
import org.pqsip.sdp.SessionDescription;
import org.pqsip.testing.ShakeRandom;

/**
 * Three parties driven through the call state machine with simulated time: Alice calls Bob, and
 * the PBX between them sees every offer and answer, may rewrite them, re-INVITE either leg or
 * answer in the other's place. No sockets, no threads, no sleeps: "media" is only the reveal
 * carried from Alice's actions to Bob, and time moves when a test says so. Each test is named
 * after what the PBX tries.
 */
class CallCoreSimTest {
  static final long MS = 1_000_000L;
  static final Duration REVEAL_TIMEOUT = Duration.ofSeconds(10);
  static final InetSocketAddress A_RTP = addr(40000);
  static final InetSocketAddress B_RTP = addr(41000);

  private long now = 1_000 * MS;

  static InetSocketAddress addr(int port) {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }

  /** One phone: its keying config, store and seeded randomness. */
  record Phone(String name, KeyingConfig keying, PeerStore store, ShakeRandom random) {
    static Phone of(String name, Policy policy) {
      ShakeRandom r = new ShakeRandom("call sim " + name);
      return new Phone(name, KeyingConfig.defaults(policy, DeviceId.random(r)), new InMemoryPeerStore(), r);
    }

    SdpNegotiator negotiator(String peer) {
      return new SdpNegotiator(keying, store, "sip:" + peer + "@pq.test", random);
    }
  }

  private final Phone alice = Phone.of("alice", Policy.PREFER);
  private final Phone bob = Phone.of("bob", Policy.PREFER);
  private final Phone pbx = Phone.of("pbx", Policy.PREFER);

  private static CallCore.Settings settings(boolean autoAnswer) {
    return CallCore.Settings.of(AudioCodec.PCMU, REVEAL_TIMEOUT, autoAnswer);
  }

  /** Alice's and Bob's cores after a complete first exchange, and what each has done so far. */
  final class Call {
    /** Alice's keying for this dialog, also used where she answers an offer of Bob's. */
    final SdpNegotiator aliceKeys = alice.negotiator("bob");
    final CallCore a = CallCore.outgoing(1, settings(false), aliceKeys, 11, now);
    final CallCore b = CallCore.incoming(1, settings(true), bob.negotiator("alice"), 22, now);
    final List<CallAction> aDid = new ArrayList<>();
    final List<CallAction> bDid = new ArrayList<>();

    Call establish() {
      String offer = a.offer(A_RTP, Optional.empty());
      assertThat(b.onInvite(offer, now)).isPresent();
      b.answer(B_RTP, now);
      String answer = sdp(drainB(), 200);
      a.onAnswer(answer, now);
      b.onAck(now);
      deliverReveal(drainA());
      drainB();
      return this;
    }

    List<CallAction> drainA() {
      List<CallAction> d = a.drain();
      aDid.addAll(d);
      return d;
    }

    List<CallAction> drainB() {
      List<CallAction> d = b.drain();
      bDid.addAll(d);
      return d;
    }

    /** Alice's media carries her newest reveal to Bob (in SRTCP). */
    void deliverReveal(List<CallAction> aliceActions) {
      for (CallAction x : aliceActions) {
        Optional<byte[]> r = x instanceof CallAction.StartMedia m ? m.reveal()
            : x instanceof CallAction.ChangeKeys k ? k.reveal() : Optional.empty();
        r.ifPresent(bytes -> b.onReveal(bytes, now));
      }
    }
  }

  static String sdp(List<CallAction> actions, int code) {
    return actions.stream()
        .filter(x -> x instanceof CallAction.Respond r && r.code() == code)
        .map(x -> ((CallAction.Respond) x).sdp().orElseThrow())
        .findFirst().orElseThrow(() -> new AssertionError("no " + code + " in " + actions));
  }

  static String reoffer(List<CallAction> actions) {
    return actions.stream().filter(x -> x instanceof CallAction.SendReoffer)
        .map(x -> ((CallAction.SendReoffer) x).sdp()).findFirst().orElseThrow();
  }

  static List<String> emitted(List<CallAction> actions, String type) {
    return actions.stream().filter(x -> x instanceof CallAction.Emit e && e.type().equals(type))
        .map(x -> String.valueOf(((CallAction.Emit) x).fields())).toList();
  }

  static Optional<Integer> response(List<CallAction> actions) {
    return actions.stream().filter(x -> x instanceof CallAction.Respond).map(x -> ((CallAction.Respond) x).code()).findFirst();
  }

  static String warning(List<CallAction> actions) {
    return actions.stream().filter(x -> x instanceof CallAction.Respond r && r.warning().isPresent())
        .map(x -> ((CallAction.Respond) x).warning().get()).findFirst().orElse("");
  }

  static boolean released(List<CallAction> actions) {
    return actions.stream().anyMatch(x -> x instanceof CallAction.Release);
  }

  private void advance(Duration d, CallCore... cores) {
    now += d.toNanos();
    for (CallCore c : cores) {
      c.onTimer(now);
    }
  }

  @Test
  void honestRekeyTakesOverOnlyOnceAliceProvesItAndKeepsTheSas() {
    Call c = new Call().establish();
    CallSecurity before = c.b.security();
    String sas = before.sas().orElseThrow();
    c.a.rekey(A_RTP);
    c.b.onReInvite(reoffer(c.drainA()), B_RTP, now);
    List<CallAction> bob1 = c.drainB();
    assertThat(response(bob1)).contains(200);
    assertThat(bob1).anySatisfy(x -> assertThat(x).isInstanceOfSatisfying(CallAction.ChangeKeys.class, k -> assertThat(k.deferred()).isTrue()));
    assertThat(c.b.security()).as("nothing changes before Alice proves the new keys").isSameAs(before);
    c.a.onReofferAnswer(sdp(bob1, 200), now);
    List<CallAction> alice1 = c.drainA();
    assertThat(emitted(alice1, "rekeyed")).hasSize(1);
    c.deliverReveal(alice1);
    List<CallAction> bob2 = c.drainB();
    assertThat(emitted(bob2, "rekeyed")).singleElement().asString().contains("sas=" + sas);
    assertThat(c.b.security()).isNotSameAs(before);
  }

  @Test
  void pbxTerminatingTheRekeyOnBothLegsLeavesBothPhonesOnTheirKeys() throws Exception {
    Call c = new Call().establish();
    CallSecurity aliceKeys = c.a.security();
    CallSecurity bobKeys = c.b.security();
    // Leg 1: the PBX answers Alice's re-offer itself, claiming the chain it saw.
    c.a.rekey(A_RTP);
    SessionDescription aliceReoffer = SessionDescription.parse(reoffer(c.drainA()));
    SdpNegotiator asBob = new SdpNegotiator(
        new KeyingConfig(Policy.PREFER, pbx.keying().kem(), pbx.keying().srtpSuites(), false, false, bob.keying().device()),
        pbx.store(), "sip:alice@pq.test", pbx.random());
    String forged = asBob.answerOffer(aliceReoffer, aliceReoffer).sdp().format();
    String chain = aliceReoffer.attributeValues(PqKemAttribute.NAME).get(0).replaceAll(".* chain=", "");
    forged = forged.replaceFirst("(a=pqkem:[^\\r\\n]*)", "$1 chain=" + chain);
    c.a.onReofferAnswer(forged, now);
    List<CallAction> alice1 = c.drainA();
    assertThat(emitted(alice1, "error")).singleElement().asString().contains("keeps its keys").contains("pqkem-confirmation-failed");
    assertThat(alice1).noneMatch(x -> x instanceof CallAction.ChangeKeys);
    assertThat(c.a.security()).isSameAs(aliceKeys);
    // Leg 2: the PBX re-offers to Bob, copying Alice's chain id; it cannot make the reveal.
    SdpNegotiator asAlice = pbx.negotiator("bob");
    String pbxOffer = asAlice.createOffer(aliceReoffer).format();
    pbxOffer = pbxOffer.replaceFirst("(a=pqkem:[^\\r\\n]*)", "$1 chain=" + chain);
    c.b.onReInvite(pbxOffer, B_RTP, now);
    assertThat(response(c.drainB())).contains(200);
    advance(REVEAL_TIMEOUT.plusMillis(1), c.b);
    List<CallAction> bob2 = c.drainB();
    assertThat(bob2).anyMatch(x -> x instanceof CallAction.AbandonPendingKeys);
    assertThat(emitted(bob2, "error")).singleElement().asString().contains("never confirmed").contains("keeps its keys");
    assertThat(c.b.security()).isSameAs(bobKeys);
    assertThat(released(bob2)).isFalse();
  }

  @Test
  void pbxReInvitingBobWithItsOwnUnchainedOfferIsAnnouncedAsPeerChanged() throws Exception {
    Call c = new Call().establish();
    SdpNegotiator asSomeoneElse = pbx.negotiator("bob");
    String offer = asSomeoneElse.createOffer(LocalSdp.audio(addr(43000), AudioCodec.PCMU, 5, 1)).format();
    c.b.onReInvite(offer, B_RTP, now);
    String answer = sdp(c.drainB(), 200);
    CallSecurity pbxSide = asSomeoneElse.acceptAnswer(SessionDescription.parse(answer));
    c.b.onReveal(pbxSide.pqCall().orElseThrow().revealMessage(), now); // the PBX can reveal: it is its exchange
    List<CallAction> bob1 = c.drainB();
    assertThat(emitted(bob1, "peer-changed")).hasSize(1);
    assertThat(emitted(bob1, "error")).singleElement().asString().contains("WARNING: peer-changed");
    assertThat(emitted(bob1, "rekeyed")).isEmpty();
  }

  @Test
  void pbxStrippingPqkemFromAReInviteGets488WithTheReasonAndBobKeepsHisKeys() throws Exception {
    Call c = new Call().establish();
    CallSecurity bobKeys = c.b.security();
    c.a.rekey(A_RTP);
    String stripped = SessionDescription.parse(reoffer(c.drainA()))
        .withoutSessionLines(l -> l.isAttribute(PqKemAttribute.NAME)).format();
    c.b.onReInvite(stripped, B_RTP, now);
    List<CallAction> bob1 = c.drainB();
    assertThat(response(bob1)).contains(488);
    assertThat(warning(bob1)).startsWith("pqkem-downgrade-refused");
    assertThat(bob1).noneMatch(x -> x instanceof CallAction.ChangeKeys);
    assertThat(c.b.security()).isSameAs(bobKeys);
  }

  @Test
  void pbxStrippingPqkemFromTheAnswerToAliceReofferChangesNothing() throws Exception {
    Call c = new Call().establish();
    CallSecurity aliceKeys = c.a.security();
    c.a.rekey(A_RTP);
    c.b.onReInvite(reoffer(c.drainA()), B_RTP, now);
    String stripped = SessionDescription.parse(sdp(c.drainB(), 200))
        .withoutSessionLines(l -> l.isAttribute(PqKemAttribute.NAME)).format();
    c.a.onReofferAnswer(stripped, now);
    List<CallAction> alice1 = c.drainA();
    assertThat(emitted(alice1, "error")).singleElement().asString().contains("pqkem-downgrade-refused");
    assertThat(alice1).noneMatch(x -> x instanceof CallAction.ChangeKeys);
    assertThat(c.a.security()).isSameAs(aliceKeys);
  }

  @Test
  void pbxFloodingReOffersIsRateLimited() {
    Call c = new Call().establish();
    List<Integer> codes = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      c.a.rekey(A_RTP);
      c.b.onReInvite(reoffer(c.drainA()), B_RTP, now);
      List<CallAction> bob = c.drainB();
      codes.add(response(bob).orElseThrow());
      if (codes.get(i) == 488) {
        assertThat(warning(bob)).startsWith("pqkem-rate-limited");
      }
    }
    assertThat(codes).containsExactly(200, 200, 200, 200, 200, 488, 488, 488);
    advance(Duration.ofSeconds(7), c.a, c.b);
    c.a.rekey(A_RTP);
    c.b.onReInvite(reoffer(c.drainA()), B_RTP, now);
    assertThat(response(c.drainB())).contains(200);
  }

  @Test
  void pbxSwallowingTheRevealLeavesTheCallUpButUnconfirmed() {
    Call c = new Call();
    c.b.onInvite(c.a.offer(A_RTP, Optional.empty()), now);
    c.b.answer(B_RTP, now);
    c.a.onAnswer(sdp(c.drainB(), 200), now);
    c.b.onAck(now); // no reveal ever arrives
    assertThat(emitted(c.drainB(), "established")).isEmpty();
    advance(REVEAL_TIMEOUT.plusMillis(1), c.b);
    List<CallAction> bob = c.drainB();
    assertThat(emitted(bob, "established")).singleElement().asString().contains("verification=unconfirmed");
    assertThat(emitted(bob, "error")).singleElement().asString().contains("WARNING: unconfirmed");
    assertThat(released(bob)).isFalse();
  }

  @Test
  void secondForkAnsweringTheInviteIsEnded() {
    Call c = new Call().establish();
    c.a.onForkAnswer();
    List<CallAction> alice = c.drainA();
    assertThat(alice).anyMatch(x -> x instanceof CallAction.EndFork);
    assertThat(released(alice)).isFalse();
  }

  @Test
  void brokenOffersAreRefusedWithAReasonAndReleasedWithoutMedia() {
    for (String broken : List.of(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 65535 RTP/AVP 0\r\n",
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=rtcp:70000\r\n",
        "garbage")) {
      CallCore b = CallCore.incoming(1, settings(true), bob.negotiator("alice"), 22, now);
      assertThat(b.onInvite(broken, now)).isEmpty();
      List<CallAction> did = b.drain();
      assertThat(response(did)).contains(400);
      assertThat(warning(did)).startsWith("sdp-malformed");
      assertThat(did).noneMatch(x -> x instanceof CallAction.StartMedia);
      assertThat(released(did)).isTrue();
      assertThat(b.nextDeadline()).isEmpty();
    }
  }

  @Test
  void aRingingCallPickedUpLaterIsAnsweredWithTheOfferItCameWith_andKeyedAsUsual() {
    Call c = new Call();
    CallCore b = CallCore.incoming(1, settings(false), bob.negotiator("alice"), 22, now);
    assertThat(b.onInvite(c.a.offer(A_RTP, Optional.empty()), now)).as("rings, no media yet").isEmpty();
    assertThat(response(b.drain())).contains(180);
    advance(Duration.ofSeconds(10), b);
    assertThat(b.pickUp(now)).isPresent();
    assertThat(b.pickUp(now)).as("once").isEmpty();
    b.answer(B_RTP, now);
    List<CallAction> did = b.drain();
    String answer = sdp(did, 200);
    assertThat(did).anyMatch(x -> x instanceof CallAction.StartMedia);
    c.a.onAnswer(answer, now);
    assertThat(emitted(c.a.drain(), "established")).singleElement().asString().contains("security=pq");
    advance(Duration.ofSeconds(31), b);
    assertThat(response(b.drain())).as("no ring timeout after pick-up").isEmpty();
  }

  @Test
  void onlyARingingCallCanBePickedUp() {
    CallCore timedOut = CallCore.incoming(1, settings(false), bob.negotiator("alice"), 22, now);
    timedOut.onInvite(new Call().a.offer(A_RTP, Optional.empty()), now);
    advance(Duration.ofSeconds(31), timedOut);
    assertThat(timedOut.drain()).anyMatch(x -> x instanceof CallAction.Respond r && r.code() == 480);
    assertThat(timedOut.pickUp(now)).isEmpty();
    CallCore auto = CallCore.incoming(2, settings(true), bob.negotiator("alice"), 23, now);
    assertThat(auto.onInvite(new Call().a.offer(A_RTP, Optional.empty()), now)).isPresent();
    assertThat(auto.pickUp(now)).as("auto-answer does not ring").isEmpty();
    CallCore broken = CallCore.incoming(3, settings(false), bob.negotiator("alice"), 24, now);
    broken.onInvite("garbage", now);
    List<CallAction> did = broken.drain();
    assertThat(response(did)).as("refused at once, not after ringing").contains(400);
    assertThat(broken.pickUp(now)).isEmpty();
  }

  @Test
  void unansweredIncomingCallRingsThenTimesOut() {
    CallCore b = CallCore.incoming(1, settings(false), bob.negotiator("alice"), 22, now);
    b.onInvite(new Call().a.offer(A_RTP, Optional.empty()), now);
    assertThat(response(b.drain())).contains(180);
    advance(Duration.ofSeconds(31), b);
    List<CallAction> did = b.drain();
    assertThat(response(did)).contains(480);
    assertThat(released(did)).isTrue();
  }

  @Test
  void legacyPhoneInsistingOnSavpGetsOneRetryAsSavpThenTheRefusalStands() {
    Phone sdesAlice = new Phone("alice", alice.keying().withSdes(true), alice.store(), alice.random());
    CallCore a = CallCore.outgoing(1, settings(false), sdesAlice.negotiator("carol"), 11, now);
    assertThat(a.offer(A_RTP, Optional.empty())).contains("RTP/AVP").contains("a=crypto:");
    a.onRefused(488, "Not Acceptable Here", "");
    List<CallAction> retry = a.drain();
    assertThat(retry).singleElement().isInstanceOfSatisfying(CallAction.RetryInvite.class,
        r -> assertThat(r.sdp()).contains("m=audio 40000 RTP/SAVP").contains("a=crypto:").contains("a=pqkem:"));
    a.onRefused(488, "Not Acceptable Here", "");
    List<CallAction> refused = a.drain();
    assertThat(emitted(refused, "error")).singleElement().asString().contains("488");
    assertThat(released(refused)).isTrue();
    // Without SDES keys there is nothing an SRTP-only phone could use: no retry.
    CallCore plain = CallCore.outgoing(2, settings(false), alice.negotiator("carol"), 12, now);
    plain.offer(A_RTP, Optional.empty());
    plain.onRefused(488, "Not Acceptable Here", "");
    assertThat(released(plain.drain())).isTrue();
  }

  @Test
  void answerKeepsEveryOfferedMediaLineAndRejectsTheOnesItCannotPlay() throws Exception {
    CallCore a = CallCore.outgoing(1, settings(false), alice.negotiator("bob"), 11, now);
    String offer = SessionDescription.parse(a.offer(A_RTP, Optional.empty())).format()
        .replace("m=audio", "m=video 40002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\nm=audio");
    CallCore b = CallCore.incoming(1, settings(true), bob.negotiator("alice"), 22, now);
    assertThat(b.onInvite(offer, now)).hasValueSatisfying(r -> assertThat(r.mline()).isEqualTo(1));
    b.answer(B_RTP, now);
    SessionDescription answer = SessionDescription.parse(sdp(b.drain(), 200));
    assertThat(answer.media()).hasSize(2);
    assertThat(answer.media().get(0).media()).isEqualTo("video");
    assertThat(answer.media().get(0).port()).isZero();
    assertThat(answer.media().get(1).port()).isEqualTo(B_RTP.getPort());
    // Keys follow the m-line the audio is on: both sides derive them for m-line 1.
    a.onAnswer(answer.format(), now);
    CallAction.StartMedia am = (CallAction.StartMedia) a.drain().stream().filter(x -> x instanceof CallAction.StartMedia).findFirst().orElseThrow();
    assertThat(am.keys().orElseThrow().mline()).isEqualTo(1);
    assertThat(am.keys().orElseThrow().tx().key()).isEqualTo(b.security().mediaKeys(1).orElseThrow().rx().key());
  }

  @Test
  void aCallWhoseMediaNeverArrivesOrStopsIsReportedNotSilent() {
    Call c = new Call().establish();
    c.b.onMediaProgress(0, 0, now);
    advance(Duration.ofSeconds(4), c.b);
    c.b.onMediaProgress(0, 0, now);
    assertThat(emitted(c.drainB(), "media-warning")).isEmpty();
    advance(Duration.ofSeconds(2), c.b);
    c.b.onMediaProgress(0, 0, now);
    assertThat(emitted(c.drainB(), "media-warning")).singleElement().asString().contains("reason=no-media-received");
    c.b.onMediaProgress(0, 0, now + 1);
    assertThat(emitted(c.drainB(), "media-warning")).as("once per silence").isEmpty();
    c.b.onMediaProgress(50, 0, now + 2);
    assertThat(emitted(c.drainB(), "media-resumed")).hasSize(1);
    advance(Duration.ofSeconds(6), c.b);
    c.b.onMediaProgress(50, 0, now);
    assertThat(emitted(c.drainB(), "media-warning")).singleElement().asString().contains("reason=media-stopped");
    c.b.onMediaProgress(60, 3, now);
    assertThat(emitted(c.drainB(), "media-warning")).singleElement().asString().contains("reason=send-failed");
    c.b.onMediaProgress(70, 4, now);
    assertThat(emitted(c.drainB(), "media-warning")).as("the same burst of failures").isEmpty();
  }

  @Test
  void anIpv6OfferToAnIpv4PhoneIsRefusedWithTheReasonNotEstablishedMute() {
    String offer = new Call().a.offer(A_RTP, Optional.empty())
        .replace("c=IN IP4 127.0.0.1", "c=IN IP6 ::1").replace("o=- 11 1 IN IP4 127.0.0.1", "o=- 11 1 IN IP6 ::1");
    CallCore b = CallCore.incoming(1, settings(true), bob.negotiator("alice"), 22, now);
    assertThat(b.onInvite(offer, now)).isPresent();
    b.answer(B_RTP, now);
    List<CallAction> did = b.drain();
    assertThat(response(did)).contains(488);
    assertThat(warning(did)).startsWith("sdp-address-family").contains("IPv6").contains("IPv4");
    assertThat(did).noneMatch(x -> x instanceof CallAction.StartMedia);
    assertThat(emitted(did, "established")).isEmpty();
    assertThat(released(did)).isTrue();
    // The same offer to a phone whose media address is IPv6 is answered from IPv6.
    CallCore b6 = CallCore.incoming(2, settings(true), bob.negotiator("alice"), 23, now);
    b6.onInvite(offer, now);
    b6.answer(new InetSocketAddress("::1", 41000), now);
    assertThat(sdp(b6.drain(), 200)).contains("c=IN IP6 ::1");
  }

  @Test
  void offerlessReInviteIsAnsweredWithAChainedOfferAndTheAnswerComesInTheAck() throws Exception {
    Call c = new Call().establish();
    CallSecurity before = c.b.security();
    String sas = before.sas().orElseThrow();
    // Alice's side re-INVITEs without SDP (a session refresh): Bob offers in his 200 OK.
    c.b.onReInvite("", B_RTP, now);
    String bobOffer = sdp(c.drainB(), 200);
    assertThat(bobOffer).contains("a=pqkem:").contains(" chain=");
    // Alice answers it (as her negotiator would for an offer in a 200) and the ACK carries it.
    String aliceAnswer = aliceAnswers(c, bobOffer);
    c.b.onAck(aliceAnswer, now);
    List<CallAction> bob = c.drainB();
    assertThat(bob).anySatisfy(x -> assertThat(x).isInstanceOfSatisfying(CallAction.ChangeKeys.class,
        k -> assertThat(k.reveal()).isPresent()));
    assertThat(emitted(bob, "rekeyed")).singleElement().asString().contains("sas=" + sas);
    // An ACK whose answer was stripped of pqkem changes nothing.
    c.b.onReInvite("", B_RTP, now);
    String again = sdp(c.drainB(), 200);
    String stripped = SessionDescription.parse(aliceAnswers(c, again))
        .withoutSessionLines(l -> l.isAttribute(PqKemAttribute.NAME)).format();
    CallSecurity current = c.b.security();
    c.b.onAck(stripped, now);
    assertThat(emitted(c.drainB(), "error")).singleElement().asString().contains("pqkem-downgrade-refused");
    assertThat(c.b.security()).isSameAs(current);
  }

  /** Alice's side of the dialog answers an offer that Bob made inside it. */
  private static String aliceAnswers(Call c, String offer) throws Exception {
    SessionDescription o = SessionDescription.parse(offer);
    return c.aliceKeys.answerOffer(o, LocalSdp.answer(o, 0, A_RTP, AudioCodec.PCMU, 11, 9)).sdp().format();
  }
}
