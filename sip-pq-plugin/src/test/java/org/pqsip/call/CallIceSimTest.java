package org.pqsip.call;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pqsip.call.CallCoreSimTest.emitted;
import static org.pqsip.call.CallCoreSimTest.released;
import static org.pqsip.call.CallCoreSimTest.response;
import static org.pqsip.call.CallCoreSimTest.sdp;
import static org.pqsip.call.CallCoreSimTest.warning;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.pqsip.ice.IceCandidate;
import org.pqsip.ice.IceDescription;
import org.pqsip.ice.NatClass;
import org.pqsip.ice.PathKind;
import org.pqsip.keying.Policy;

/**
 * The call state machine with ICE in its SDP: {@code established} waits for the first path and
 * names it; a PBX that strips ICE, or sends a broken candidate, gets what any legacy or
 * malformed SDP gets; no path at all ends the call. No sockets: the path is reported by hand.
 */
class CallIceSimTest {
  static final long MS = 1_000_000L;
  private long now = 1_000 * MS;

  private final CallCoreSimTest.Phone alice = CallCoreSimTest.Phone.of("alice", Policy.REQUIRE);
  private final CallCoreSimTest.Phone bob = CallCoreSimTest.Phone.of("bob", Policy.REQUIRE);

  static IceDescription ice(String ufrag, String host, NatClass nat) {
    IceCandidate c = new IceCandidate("1", 1, 2130706431L, new InetSocketAddress(host, 40000), IceCandidate.Type.HOST,
        Optional.empty());
    return new IceDescription(ufrag, "0123456789abcdefghijklmn", List.of(c), true, nat, 0);
  }

  private CallCore caller() {
    CallCore a = CallCore.outgoing(1, CallCore.Settings.of(org.pqsip.media.AudioCodec.PCMU, java.time.Duration.ofSeconds(10), false),
        alice.negotiator("bob"), 11, now);
    a.useIce(ice("alic", "198.51.100.20", NatClass.ENDPOINT_INDEPENDENT));
    return a;
  }

  private CallCore callee() {
    CallCore b = CallCore.incoming(1, CallCore.Settings.of(org.pqsip.media.AudioCodec.PCMU, java.time.Duration.ofSeconds(10), true),
        bob.negotiator("alice"), 22, now);
    b.useIce(ice("bobb", "198.51.100.140", NatClass.ADDRESS_DEPENDENT));
    return b;
  }

  /** Offer and answer exchanged (the answer possibly rewritten by the PBX); returns the caller's actions. */
  private List<CallAction> exchange(CallCore a, CallCore b, java.util.function.UnaryOperator<String> pbx) {
    String offer = a.offer(CallCoreSimTest.A_RTP, Optional.empty());
    assertThat(offer).contains("a=ice-ufrag:alic").contains("a=rtcp-mux").contains("a=pq-nat:endpoint-independent");
    b.onInvite(offer, now);
    b.answer(CallCoreSimTest.B_RTP, now);
    String answer = sdp(b.drain(), 200);
    a.onAnswer(pbx.apply(answer), now);
    return a.drain();
  }

  @Test
  void bothDoIce_establishedWaitsForThePathAndNamesIt() {
    CallCore a = caller();
    CallCore b = callee();
    List<CallAction> did = exchange(a, b, answer -> answer);
    CallAction.StartMedia start = did.stream().filter(CallAction.StartMedia.class::isInstance)
        .map(CallAction.StartMedia.class::cast).findFirst().orElseThrow();
    assertThat(start.remote().ice()).isPresent();
    assertThat(start.remote().ice().get().nat()).isEqualTo(NatClass.ADDRESS_DEPENDENT);
    assertThat(emitted(did, "established")).as("no path yet").isEmpty();
    a.pathSelected(PathKind.RELAY, 60, now + 60 * MS);
    List<String> established = emitted(a.drain(), "established");
    assertThat(established).hasSize(1);
    assertThat(established.get(0)).contains("path=relay").contains("pathMs=60");
    a.pathSwitched(PathKind.RELAY, PathKind.P2P, 0);
    assertThat(emitted(a.drain(), "path-switch")).singleElement().asString().contains("from=relay").contains("to=p2p");
  }

  @Test
  void pbxStripsIceFromTheAnswer_theCallGoesDirectAndIsEstablishedAtOnce() {
    CallCore a = caller();
    List<CallAction> did = exchange(a, callee(), answer -> String.join("\r\n", answer.lines()
        .filter(l -> !l.startsWith("a=ice-") && !l.startsWith("a=candidate") && !l.startsWith("a=end-of-candidates"))
        .toList()) + "\r\n");
    assertThat(emitted(did, "established")).singleElement().asString().contains("security=pq");
  }

  @Test
  void brokenCandidateInTheOffer_isRefusedAsMalformedSdp() {
    CallCore a = caller();
    CallCore b = callee();
    String offer = a.offer(CallCoreSimTest.A_RTP, Optional.empty()).replace("typ host", "typ bogus");
    b.onInvite(offer, now);
    List<CallAction> did = b.drain();
    assertThat(response(did)).contains(400);
    assertThat(warning(did)).contains("sdp-malformed");
    assertThat(released(did)).isTrue();
  }

  @Test
  void noPathWithinTenSeconds_theCallEndsWithIceFailed() {
    CallCore a = caller();
    exchange(a, callee(), answer -> answer);
    a.onTimer(now + 9_999 * MS);
    assertThat(released(a.drain())).isFalse();
    a.onTimer(now + 10_000 * MS);
    List<CallAction> did = a.drain();
    assertThat(did).anyMatch(x -> x instanceof CallAction.Bye);
    assertThat(did).anyMatch(x -> x instanceof CallAction.Release r && r.reason().equals("ice-failed"));
  }

  /**
   * Every path died mid-call (say the caller's NAT rebound): the caller restarts ICE with a
   * re-offer chained to the call's keys (new ICE credentials), the callee sees the new
   * credentials, gathers anew before it answers, both report the restored path, and the SAS is
   * the one the call had. The callee never starts a restart itself (no glare).
   */
  @Test
  void everyPathDies_theCallerRestartsIceWithAChainedReoffer_andTheCalleeAnswersWithNewIce() {
    CallCore[] call = bothOnAPath();
    CallCore a = call[0];
    CallCore b = call[1];
    String sas = a.security().sas().orElseThrow();

    b.pathsLost(now);
    assertThat(b.drain()).as("the callee waits for the caller's restart").isEmpty();
    a.pathsLost(now);
    List<CallAction> aDid = a.drain();
    assertThat(emitted(aDid, "ice-restart")).singleElement().asString().contains("reason=no-path");
    assertThat(aDid).anyMatch(CallAction.RestartIce.class::isInstance);
    a.pathsLost(now);
    assertThat(a.drain()).as("one restart at a time").isEmpty();

    a.iceRestarted(ice("alc2", "203.0.113.99", NatClass.ENDPOINT_INDEPENDENT), CallCoreSimTest.A_RTP, now);
    String reoffer = CallCoreSimTest.reoffer(a.drain());
    assertThat(reoffer).contains("a=ice-ufrag:alc2").contains("a=pqkem");

    b.onReInvite(reoffer, CallCoreSimTest.B_RTP, now);
    List<CallAction> bDid = b.drain();
    assertThat(response(bDid)).as("no answer before the callee has new candidates").isEmpty();
    assertThat(emitted(bDid, "ice-restart")).singleElement().asString().contains("reason=peer");
    assertThat(bDid).anyMatch(CallAction.RestartIce.class::isInstance);
    b.iceRestarted(ice("bob2", "198.51.100.140", NatClass.ADDRESS_DEPENDENT), CallCoreSimTest.B_RTP, now);
    bDid = b.drain();
    String answer = sdp(bDid, 200);
    assertThat(answer).contains("a=ice-ufrag:bob2");
    assertThat(bDid).anySatisfy(x -> assertThat(x).isInstanceOfSatisfying(CallAction.ChangeKeys.class,
        k -> assertThat(k.remote().ice().orElseThrow().ufrag()).isEqualTo("alc2")));

    a.onReofferAnswer(answer, now);
    aDid = a.drain();
    assertThat(emitted(aDid, "rekeyed")).singleElement().asString().contains("sas=" + sas);
    assertThat(aDid).anySatisfy(x -> assertThat(x).isInstanceOfSatisfying(CallAction.ChangeKeys.class,
        k -> assertThat(k.remote().ice().orElseThrow().ufrag()).isEqualTo("bob2")));
    a.pathSelected(PathKind.RELAY, 150, now);
    assertThat(emitted(a.drain(), "path-restored")).singleElement().asString().contains("path=relay").contains("pathMs=150");
    b.pathSelected(PathKind.RELAY, 160, now);
    assertThat(emitted(b.drain(), "path-restored")).hasSize(1);
  }

  /**
   * A call with a path on both sides whose caller has lost every path and restarted ICE: returns
   * caller and callee, the caller's restart re-offer (new ufrag {@code alc2}) in {@link #restartReoffer}.
   */
  private CallCore[] restartUnderWay() {
    CallCore[] call = bothOnAPath();
    CallCore a = call[0];
    a.pathsLost(now);
    assertThat(a.drain()).anyMatch(CallAction.RestartIce.class::isInstance);
    a.iceRestarted(ice("alc2", "203.0.113.99", NatClass.ENDPOINT_INDEPENDENT), CallCoreSimTest.A_RTP, now);
    restartReoffer = CallCoreSimTest.reoffer(a.drain());
    return call;
  }

  /** An established ICE call, P2P on both sides, every action so far drained: caller and callee. */
  private CallCore[] bothOnAPath() {
    CallCore a = caller();
    CallCore b = callee();
    exchange(a, b, answer -> answer);
    b.onAck(now);
    a.pathSelected(PathKind.P2P, 30, now);
    b.pathSelected(PathKind.P2P, 30, now);
    a.drain();
    b.drain();
    return new CallCore[] {a, b};
  }

  private String restartReoffer;

  /**
   * A restart that finds no path: the caller restarts again when the path timeout passes (not
   * while its re-INVITE is still out), at most three times in all, then ends the call with
   * ice-failed instead of leaving it up without media. Before, the call stayed "restarting"
   * forever (the transport asks for one restart per agent).
   */
  @Test
  void aRestartThatFindsNoPath_isTriedAgainThenTheCallEnds() {
    CallCore a = restartUnderWay()[0];
    assertThat(restartReoffer).contains("a=ice-ufrag:alc2");

    a.onTimer(now + 9_999 * MS);
    assertThat(a.drain()).as("within the path timeout").isEmpty();
    a.onTimer(now + 10_000 * MS);
    assertThat(a.drain()).as("the re-INVITE is still out: no second one").noneMatch(CallAction.RestartIce.class::isInstance);
    a.onReofferAnswer("not an answer", now + 10_500 * MS); // its final response came (a bad one: keys kept)
    a.drain();

    a.onTimer(now + 20_000 * MS);
    List<CallAction> third = a.drain();
    assertThat(emitted(third, "ice-restart")).singleElement().asString().contains("reason=retry").contains("attempt=3");
    assertThat(third).anyMatch(CallAction.RestartIce.class::isInstance);
    a.iceRestarted(ice("alc3", "203.0.113.99", NatClass.ENDPOINT_INDEPENDENT), CallCoreSimTest.A_RTP, now + 20_000 * MS);
    assertThat(CallCoreSimTest.reoffer(a.drain())).contains("a=ice-ufrag:alc3");
    a.onRefused(408, "Request Timeout", "");
    a.drain();

    assertThat(a.nextDeadline()).hasValue(now + 30_000 * MS);
    a.onTimer(now + 30_000 * MS);
    List<CallAction> end = a.drain();
    assertThat(end).anyMatch(CallAction.Bye.class::isInstance);
    assertThat(end).anyMatch(x -> x instanceof CallAction.Release r && r.reason().equals("ice-failed"));
    assertThat(emitted(end, "error")).singleElement().asString().contains("after 3 restart attempts");
  }

  /** A restart that finds its path stops the clock: no retry, no end. */
  @Test
  void aRestartThatFindsItsPath_needsNoRetry() {
    CallCore a = restartUnderWay()[0];
    a.pathSelected(PathKind.RELAY, 150, now + 2_000 * MS);
    assertThat(emitted(a.drain(), "path-restored")).hasSize(1);
    a.onTimer(now + 60_000 * MS);
    assertThat(a.drain()).noneMatch(x -> x instanceof CallAction.RestartIce || x instanceof CallAction.Bye);
  }

  /** The callee that answered a restart ends the call if no path comes and no further restart either. */
  @Test
  void theCalleeOfARestartThatNeverFindsAPath_endsTheCall() {
    CallCore b = restartUnderWay()[1];
    b.onReInvite(restartReoffer, CallCoreSimTest.B_RTP, now);
    b.iceRestarted(ice("bob2", "198.51.100.140", NatClass.ADDRESS_DEPENDENT), CallCoreSimTest.B_RTP, now);
    assertThat(sdp(b.drain(), 200)).contains("a=ice-ufrag:bob2");
    b.onTimer(now + 19_999 * MS);
    assertThat(b.drain()).as("room for the caller's next attempt").noneMatch(CallAction.Bye.class::isInstance);
    b.onTimer(now + 20_000 * MS);
    List<CallAction> end = b.drain();
    assertThat(end).anyMatch(CallAction.Bye.class::isInstance);
    assertThat(end).anyMatch(x -> x instanceof CallAction.Release r && r.reason().equals("ice-failed"));
  }

  @Test
  void aReofferWithTheSameIceCredentials_isAPlainRekeyWithoutRestart() {
    CallCore a = caller();
    CallCore b = callee();
    exchange(a, b, answer -> answer);
    b.onAck(now);
    a.drain();
    b.drain();
    a.rekey(CallCoreSimTest.A_RTP);
    b.onReInvite(CallCoreSimTest.reoffer(a.drain()), CallCoreSimTest.B_RTP, now);
    List<CallAction> bDid = b.drain();
    assertThat(response(bDid)).contains(200);
    assertThat(bDid).noneMatch(CallAction.RestartIce.class::isInstance);
  }
}
