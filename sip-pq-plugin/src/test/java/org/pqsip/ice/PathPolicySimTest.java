package org.pqsip.ice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import org.junit.jupiter.api.Test;

/**
 * Two phones' path policies over a simulated network, one millisecond at a time (no sockets, no
 * sleeps): each side sends a media packet every 20 ms on the pairs its policy names, probes are
 * answered after a round trip when the path is up both ways, and a path can be cut per
 * direction at any moment. Pair 1 is the P2P pair, pair 2 the relay pair, on both sides.
 */
class PathPolicySimTest {
  static final int P2P = 1;
  static final int RELAY = 2;
  static final long MS = 1_000_000;

  /** The simulated network and the two phones (a: controlling, b: controlled). */
  static final class Sim {
    final Side a;
    final Side b;
    long now;
    final PriorityQueue<Delivery> queue = new PriorityQueue<>((x, y) -> Long.compare(x.at, y.at));
    final boolean[][] up = {{true, true, true}, {true, true, true}}; // [direction a->b=0, b->a=1][pair]
    final long[] oneWayMs = {0, 10, 20};
    /** The driver cannot probe on demand; the agent's keep-alive checks every 250 ms are answered instead. */
    boolean keepAlivesOnly;

    record Delivery(long at, Side to, int pair, boolean media, boolean probeAnswer) {}

    final class Side {
      final PathPolicy policy;
      final int direction;
      int sendOn = -1;
      int alsoOn = -1;
      final List<PathAction> seen = new ArrayList<>();
      final List<Long> received = new ArrayList<>();
      long sent;
      boolean muted;

      Side(PathPolicy policy, int direction) {
        this.policy = policy;
        this.direction = direction;
      }

      Side other() {
        return this == a ? b : a;
      }

      void apply() {
        for (PathAction action : policy.drain()) {
          seen.add(action);
          if (action instanceof PathAction.Send s) {
            sendOn = s.pair();
            alsoOn = s.alsoOn().orElse(-1);
          } else if (action instanceof PathAction.Probe p) {
            if (!keepAlivesOnly && up[direction][p.pair()] && up[1 - direction][p.pair()]) {
              queue.add(new Delivery(now + 2 * oneWayMs[p.pair()] * MS, this, p.pair(), false, true));
            }
          } else if (action instanceof PathAction.Nominate n && this == a) {
            b.policy.nominatedByPeer(n.pair(), now);
            b.apply();
          }
        }
      }

      void sendMedia() {
        if (muted) {
          return;
        }
        for (int pair : new int[] {sendOn, alsoOn}) {
          if (pair > 0) {
            sent++;
            if (up[direction][pair]) {
              queue.add(new Delivery(now + oneWayMs[pair] * MS, other(), pair, true, false));
            }
          }
        }
      }

      <T extends PathAction> List<T> all(Class<T> type) {
        return seen.stream().filter(type::isInstance).map(type::cast).toList();
      }
    }

    /** A call whose pairs validate at these times (ms; negative: never), run for {@code ms}. */
    static Sim started(NatClass natA, NatClass natB, long p2pValidMs, long relayValidMs, long ms) {
      Sim sim = new Sim(natA, natB);
      sim.start(p2pValidMs, relayValidMs);
      sim.runFor(ms);
      return sim;
    }

    Sim(NatClass natA, NatClass natB) {
      this(PathSettings.DEFAULTS, natA, natB);
    }

    Sim(PathSettings settings, NatClass natA, NatClass natB) {
      a = new Side(new PathPolicy(settings, true, natA, natB), 0);
      b = new Side(new PathPolicy(settings, false, natB, natA), 1);
    }

    /** Both sides start checks now; the pairs validate at these times (ms; negative: never). */
    void start(long p2pValidMs, long relayValidMs) {
      for (Side s : List.of(a, b)) {
        s.policy.checksStarted(now);
        s.apply();
      }
      validateAt(p2pValidMs, P2P, PathKind.P2P);
      validateAt(relayValidMs, RELAY, PathKind.RELAY);
    }

    private final List<long[]> validations = new ArrayList<>();

    private void validateAt(long ms, int pair, PathKind kind) {
      if (ms >= 0) {
        validations.add(new long[] {now + ms * MS, pair, kind.ordinal()});
      }
    }

    void cut(int direction, int pair) {
      up[direction][pair] = false;
    }

    void restore(int direction, int pair) {
      up[direction][pair] = true;
    }

    void runFor(long ms) {
      long end = now + ms * MS;
      while (now < end) {
        now += MS;
        for (long[] v : List.copyOf(validations)) {
          if (v[0] <= now) {
            validations.remove(v);
            for (Side s : List.of(a, b)) {
              s.policy.pairValidated((int) v[1], PathKind.values()[(int) v[2]], 2 * oneWayMs[(int) v[1]] * MS, now);
              s.apply();
            }
          }
        }
        while (!queue.isEmpty() && queue.peek().at <= now) {
          Delivery d = queue.poll();
          if (d.media) {
            d.to.received.add(now);
            d.to.policy.mediaReceived(d.pair, now);
          } else {
            d.to.policy.probeSucceeded(d.pair, now);
          }
          d.to.apply();
        }
        if (keepAlivesOnly && (now / MS) % 250 == 0) {
          for (Side s : List.of(a, b)) {
            for (int pair : new int[] {P2P, RELAY}) {
              if (up[s.direction][pair] && up[1 - s.direction][pair]) {
                queue.add(new Delivery(now + 2 * oneWayMs[pair] * MS, s, pair, false, true));
              }
            }
          }
        }
        for (Side s : List.of(a, b)) {
          if (s.policy.nextDeadline() <= now) {
            s.policy.tick(now);
            s.apply();
          }
          if ((now / MS) % 20 == 0) {
            s.sendMedia();
          }
        }
      }
    }

    /** The longest time (ms) side {@code s} went without media after it first got some. */
    long longestGapMs(Side s) {
      long gap = 0;
      for (int i = 1; i < s.received.size(); i++) {
        gap = Math.max(gap, s.received.get(i) - s.received.get(i - 1));
      }
      return gap / MS;
    }
  }

  @Test
  void bothNatsEndpointIndependent_p2pIsChosenAsSoonAsItValidates() {
    Sim sim = Sim.started(NatClass.ENDPOINT_INDEPENDENT, NatClass.ENDPOINT_INDEPENDENT, 30, 45, 1000);
    assertThat(sim.a.all(PathAction.Selected.class)).containsExactly(new PathAction.Selected(PathKind.P2P, 30));
    assertThat(sim.a.all(PathAction.Nominate.class)).containsExactly(new PathAction.Nominate(P2P));
    assertThat(sim.b.all(PathAction.Nominate.class)).as("only the controlling side nominates").isEmpty();
    assertThat(sim.b.policy.activeKind()).isEqualTo(PathKind.P2P);
    assertThat(sim.a.all(PathAction.Switched.class)).isEmpty();
  }

  @Test
  void p2pValidatesBeforeTheRelay_mediaFlowsAtOnceButNominationWaitsForTheStandby() {
    PathPolicy a = new PathPolicy(PathSettings.DEFAULTS, true, NatClass.OPEN, NatClass.OPEN);
    a.checksStarted(0);
    a.pairValidated(P2P, PathKind.P2P, 20 * MS, 20 * MS);
    assertThat(a.drain()).containsExactly(new PathAction.Send(P2P, java.util.OptionalInt.empty()),
        new PathAction.Selected(PathKind.P2P, 20));
    a.pairValidated(RELAY, PathKind.RELAY, 40 * MS, 70 * MS);
    assertThat(a.drain()).as("the peer's relay pair needs a moment too").isEmpty();
    assertThat(a.nextDeadline()).isEqualTo(570 * MS);
    a.tick(570 * MS);
    assertThat(a.drain()).containsExactly(new PathAction.Nominate(P2P));
  }

  /** A controlling policy, both sides open, whose P2P pair validated 20 ms into the checks (actions drained). */
  private static PathPolicy controllingWithP2pValidatedAt20ms() {
    PathPolicy a = new PathPolicy(PathSettings.DEFAULTS, true, NatClass.OPEN, NatClass.OPEN);
    a.checksStarted(0);
    a.pairValidated(P2P, PathKind.P2P, 20 * MS, 20 * MS);
    a.drain();
    return a;
  }

  @Test
  void relayValidatesLateInTheGrace_theNominationStillWaitsNoLongerThanTheGrace() {
    PathPolicy a = controllingWithP2pValidatedAt20ms();
    a.pairValidated(RELAY, PathKind.RELAY, 40 * MS, 900 * MS);
    assertThat(a.nextDeadline()).as("the grace bounds it").isEqualTo(1_020 * MS);
  }

  @Test
  void noRelayPairEver_p2pIsNominatedAfterTheGrace() {
    PathPolicy a = controllingWithP2pValidatedAt20ms();
    assertThat(a.nextDeadline()).isEqualTo(1_020 * MS);
    a.tick(1_019 * MS);
    assertThat(a.drain()).isEmpty();
    a.tick(1_020 * MS);
    assertThat(a.drain()).containsExactly(new PathAction.Nominate(P2P));
  }

  @Test
  void oneSymmetricNat_relayIsChosenWhenItValidatesWithoutWaitingForTheWindow() {
    Sim sim = Sim.started(NatClass.ADDRESS_DEPENDENT, NatClass.ENDPOINT_INDEPENDENT, -1, 60, 300);
    assertThat(sim.a.all(PathAction.Selected.class)).containsExactly(new PathAction.Selected(PathKind.RELAY, 60));
    assertThat(sim.b.all(PathAction.Selected.class)).containsExactly(new PathAction.Selected(PathKind.RELAY, 60));
    assertThat(sim.b.received).as("media flows within 300 ms of the checks").isNotEmpty();
  }

  @Test
  void peerSignalsSymmetricNat_theControllingSideGoesToTheRelayAtOnceToo() {
    Sim sim = Sim.started(NatClass.OPEN, NatClass.ADDRESS_DEPENDENT, -1, 40, 100);
    assertThat(sim.a.all(PathAction.Nominate.class)).containsExactly(new PathAction.Nominate(RELAY));
  }

  @Test
  void p2pBlackholed_relayIsChosenWhenTheWindowCloses() {
    Sim sim = Sim.started(NatClass.ENDPOINT_INDEPENDENT, NatClass.ENDPOINT_INDEPENDENT, -1, 50, 799);
    assertThat(sim.a.policy.activeKind()).as("still waiting for P2P at 799 ms").isNull();
    sim.runFor(100);
    assertThat(sim.a.all(PathAction.Selected.class)).containsExactly(new PathAction.Selected(PathKind.RELAY, 800));
  }

  @Test
  void configuredWindow_isHonoured() {
    Sim sim = new Sim(PathSettings.DEFAULTS.withP2pWindow(Duration.ofMillis(300)),
        NatClass.ENDPOINT_INDEPENDENT, NatClass.ENDPOINT_INDEPENDENT);
    sim.start(-1, 50);
    sim.runFor(500);
    assertThat(sim.a.all(PathAction.Selected.class)).containsExactly(new PathAction.Selected(PathKind.RELAY, 300));
  }

  @Test
  void slowRelay_isChosenWhenItValidatesAfterTheWindow() {
    Sim sim = Sim.started(NatClass.UNKNOWN, NatClass.UNKNOWN, -1, 1200, 1500);
    assertThat(sim.a.all(PathAction.Selected.class)).containsExactly(new PathAction.Selected(PathKind.RELAY, 1200));
  }

  @Test
  void p2pLateAfterTheWindow_theCallStaysUpAndMovesToP2pOnceItHolds() {
    Sim sim = Sim.started(NatClass.ENDPOINT_INDEPENDENT, NatClass.ENDPOINT_INDEPENDENT, 1000, 50, 4000);
    assertThat(sim.a.all(PathAction.Selected.class)).containsExactly(new PathAction.Selected(PathKind.RELAY, 800));
    assertThat(sim.a.policy.activeKind()).isEqualTo(PathKind.P2P);
    assertThat(sim.b.policy.activeKind()).isEqualTo(PathKind.P2P);
    assertThat(sim.a.all(PathAction.Switched.class)).extracting(PathAction.Switched::to).containsExactly(PathKind.P2P);
  }

  @Test
  void p2pCutMidCall_mediaMovesToTheStandbyRelayWithinAQuarterSecond_andBackWhenRestored() {
    Sim sim = Sim.started(NatClass.ENDPOINT_INDEPENDENT, NatClass.ENDPOINT_INDEPENDENT, 20, 40, 3000);
    int before = sim.b.received.size();
    sim.cut(0, P2P);
    sim.cut(1, P2P);
    sim.runFor(2000);
    assertThat(sim.a.policy.activeKind()).isEqualTo(PathKind.RELAY);
    assertThat(sim.b.policy.activeKind()).isEqualTo(PathKind.RELAY);
    for (Sim.Side s : List.of(sim.a, sim.b)) {
      List<PathAction.Switched> switches = s.all(PathAction.Switched.class);
      assertThat(switches).hasSize(1);
      assertThat(switches.get(0).from()).isEqualTo(PathKind.P2P);
      assertThat(switches.get(0).gapMillis()).isBetween(1L, 250L);
      assertThat(sim.longestGapMs(s)).isLessThanOrEqualTo(250);
    }
    assertThat(sim.b.received.size()).isGreaterThan(before + 80);
    restoreP2pAndExpectBothBackOnIt(sim);
    assertThat(sim.longestGapMs(sim.a)).isLessThanOrEqualTo(250);
  }

  /** P2P comes back both ways: within 3 s both sides send on it again, after one switch each way. */
  private static void restoreP2pAndExpectBothBackOnIt(Sim sim) {
    sim.restore(0, P2P);
    sim.restore(1, P2P);
    sim.runFor(3000);
    assertThat(sim.a.policy.activeKind()).isEqualTo(PathKind.P2P);
    assertThat(sim.b.policy.activeKind()).isEqualTo(PathKind.P2P);
    assertThat(sim.a.all(PathAction.Switched.class)).extracting(PathAction.Switched::to)
        .containsExactly(PathKind.RELAY, PathKind.P2P);
  }

  @Test
  void agentKeepAlivesInsteadOfProbes_theCallStillLeavesAndReturnsToP2p() {
    Sim sim = new Sim(NatClass.ENDPOINT_INDEPENDENT, NatClass.ENDPOINT_INDEPENDENT);
    sim.keepAlivesOnly = true;
    sim.start(20, 40);
    sim.runFor(3000);
    sim.cut(0, P2P);
    sim.cut(1, P2P);
    sim.runFor(2000);
    assertThat(sim.a.policy.activeKind()).isEqualTo(PathKind.RELAY);
    assertThat(sim.longestGapMs(sim.b)).isLessThanOrEqualTo(250);
    restoreP2pAndExpectBothBackOnIt(sim);
  }

  @Test
  void p2pCutInOneDirectionOnly_bothSidesEndOnTheRelay() {
    Sim sim = Sim.started(NatClass.ENDPOINT_INDEPENDENT, NatClass.ENDPOINT_INDEPENDENT, 20, 40, 1000);
    sim.cut(0, P2P); // a -> b dropped; b -> a still delivers
    sim.runFor(2000);
    assertThat(sim.b.policy.activeKind()).isEqualTo(PathKind.RELAY);
    assertThat(sim.a.policy.activeKind()).as("a follows b, whose probes it can no longer answer").isEqualTo(PathKind.RELAY);
    assertThat(sim.longestGapMs(sim.b)).isLessThanOrEqualTo(250);
  }

  @Test
  void peerGoesQuietButThePathAnswers_noSwitch() {
    Sim sim = Sim.started(NatClass.ENDPOINT_INDEPENDENT, NatClass.ENDPOINT_INDEPENDENT, 20, 40, 1000);
    sim.b.muted = true; // b stops sending (hold, mute) without any path trouble
    Sim.Side quiet = sim.b;
    sim.runFor(2000);
    assertThat(sim.a.all(PathAction.Switched.class)).isEmpty();
    assertThat(sim.a.policy.activeKind()).isEqualTo(PathKind.P2P);
    assertThat(sim.a.all(PathAction.Probe.class)).as("the quiet path is probed, not left").isNotEmpty();
    assertThat(quiet.policy.activeKind()).isEqualTo(PathKind.P2P);
  }

  @Test
  void noStandby_aDeadPathIsKeptAndProbed() {
    Sim sim = Sim.started(NatClass.ENDPOINT_INDEPENDENT, NatClass.ENDPOINT_INDEPENDENT, 20, -1, 500);
    sim.cut(0, P2P);
    sim.cut(1, P2P);
    sim.runFor(1000);
    assertThat(sim.a.policy.activeKind()).isEqualTo(PathKind.P2P);
    assertThat(sim.a.all(PathAction.Probe.class).size()).isGreaterThan(2);
    sim.restore(0, P2P);
    sim.restore(1, P2P);
    int before = sim.a.received.size();
    sim.runFor(200);
    assertThat(sim.a.received.size()).isGreaterThan(before);
  }

  @Test
  void controlledSide_followsTheNominationEvenWhenItWouldHaveChosenOtherwise() {
    Sim sim = new Sim(NatClass.ENDPOINT_INDEPENDENT, NatClass.ENDPOINT_INDEPENDENT);
    sim.start(-1, 30);
    sim.runFor(810); // a nominates the relay at 800 ms
    sim.b.policy.pairValidated(P2P, PathKind.P2P, 20 * MS, sim.now); // only b sees P2P validate, later
    sim.b.apply();
    assertThat(sim.b.policy.activeKind()).isEqualTo(PathKind.RELAY);
    assertThat(sim.b.all(PathAction.Send.class)).extracting(PathAction.Send::pair).containsExactly(RELAY);
  }

  @Test
  void natRebindsMidCall_everyPathGoesDead_bothSidesAskForOneIceRestartAfterTwoSeconds() {
    Sim sim = Sim.started(NatClass.ENDPOINT_INDEPENDENT, NatClass.ENDPOINT_INDEPENDENT, 30, 45, 3000);
    sim.keepAlivesOnly = true;
    sim.runFor(1000);
    assertThat(sim.a.all(PathAction.Restart.class)).as("keep-alives answered: all is well").isEmpty();
    for (int pair : new int[] {P2P, RELAY}) {
      sim.cut(0, pair);
      sim.cut(1, pair);
    }
    sim.runFor(1900);
    assertThat(sim.a.all(PathAction.Restart.class)).as("not before two seconds of nothing").isEmpty();
    sim.runFor(300);
    assertThat(sim.a.all(PathAction.Restart.class)).hasSize(1);
    assertThat(sim.b.all(PathAction.Restart.class)).hasSize(1);
    sim.runFor(5000);
    assertThat(sim.a.all(PathAction.Restart.class)).as("once per policy").hasSize(1);
  }

  @Test
  void peerOnHold_keepAlivesAnswered_noRestart() {
    Sim sim = Sim.started(NatClass.ENDPOINT_INDEPENDENT, NatClass.ENDPOINT_INDEPENDENT, 30, 45, 1000);
    sim.keepAlivesOnly = true;
    sim.b.muted = true;
    sim.runFor(10_000);
    assertThat(sim.a.all(PathAction.Restart.class)).isEmpty();
  }

  @Test
  void localAddressChange_asksForOneIceRestart() {
    PathPolicy p = new PathPolicy(PathSettings.DEFAULTS, true, NatClass.UNKNOWN, NatClass.UNKNOWN);
    p.localAddressChanged(0);
    p.localAddressChanged(1);
    assertThat(p.drain()).containsExactly(new PathAction.Restart());
  }

  @Test
  void unknownPairsAndLateProbeAnswers_changeNothing() {
    PathPolicy p = new PathPolicy(PathSettings.DEFAULTS, true, NatClass.UNKNOWN, NatClass.UNKNOWN);
    p.checksStarted(0);
    p.mediaReceived(7, MS);
    p.probeSucceeded(7, MS);
    p.nominatedByPeer(7, MS);
    assertThat(p.drain()).isEmpty();
    assertThat(p.activeKind()).isNull();
    assertThat(p.nextDeadline()).isEqualTo(800 * MS);
  }

  @Test
  void settingsOutOfRange_areRefusedWithTheReason() {
    assertThatThrownBy(() -> PathSettings.DEFAULTS.withP2pWindow(Duration.ofSeconds(11)))
        .hasMessageContaining("p2p window");
    assertThatThrownBy(() -> new PathSettings(Duration.ZERO, Duration.ofMillis(5), Duration.ofMillis(100),
        Duration.ofMillis(250), 4)).hasMessageContaining("silence");
    assertThatThrownBy(() -> new PathSettings(Duration.ZERO, Duration.ofMillis(100), Duration.ofMillis(100),
        Duration.ofMillis(250), 0)).hasMessageContaining("recovery probes");
  }
}
