package org.pqsip.ice;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Which candidate pair carries a call's media, decided from events and timestamps alone (no
 * clock, no socket, no thread): the ICE adapter reports checks, validated pairs, media and probe
 * answers with {@code now} in nanoseconds, calls {@link #tick} at {@link #nextDeadline}, and
 * carries out the {@link PathAction}s it {@link #drain}s.
 *
 * <p>The rules (DESIGN §3, PROTOCOL "Transport"):
 * <ul>
 *   <li><b>P2P first:</b> the first validated host or server-reflexive pair is chosen at once.
 *   <li><b>P2P window:</b> if none has validated {@code p2pWindow} after checks started, the relay
 *       pair is chosen (as soon as it validates, if that is later).
 *   <li><b>Symmetric NAT:</b> if either side's NAT is address-dependent, the relay pair is chosen
 *       as soon as it validates; a P2P pair that validates first still wins.
 *   <li><b>Make-before-break switch:</b> when the active path goes {@code silence} without media
 *       where media was flowing, it is probed and media is also sent on the standby path (the
 *       best validated pair of the other kind); if the probe is not answered within
 *       {@code probeTimeout}, media moves to the standby. Media arriving on another validated pair
 *       while ours is silent is followed at once (the peer has moved).
 *   <li><b>Back to P2P:</b> a P2P pair we left, or one that validates while we are on the relay,
 *       is probed every {@code probeInterval}; once its checks (our probes or the agent's
 *       keep-alives) have been answered for {@code recoveryProbes} intervals without a gap, media
 *       moves back to it.
 *   <li><b>Restart:</b> when no media and no check answer has come on any pair for two seconds
 *       after media had flowed, every address we have is stale (NAT rebinding, new interface):
 *       one {@link PathAction.Restart} (an ICE restart through a chained re-offer).
 *   <li>Only the controlling side nominates; the controlled side sends by the same rules until the
 *       peer's nomination arrives, then follows it. A P2P choice is nominated once a relay pair
 *       has validated too (at most 1 s later; media flows meanwhile), because nominating ends the
 *       agent's checks and a pair not validated by then would never be a standby.
 * </ul>
 * The SRTP contexts are not the policy's business: they stay the same on every path.
 */
public final class PathPolicy {
  private static final long NONE = Long.MIN_VALUE;

  private final PathSettings settings;
  private final boolean controlling;
  private final boolean relayAtOnce;
  private final Map<Integer, Pair> pairs = new LinkedHashMap<>();
  private final List<PathAction> out = new ArrayList<>();

  private long checksStarted = NONE;
  private Pair active;
  private Pair lastSent;
  private Pair sendingAlsoOn;
  private boolean suspect;
  private long probeSentAt = NONE;
  private long nextActiveProbe = NONE;
  private long activeSince = NONE;
  /** When a deferred nomination of the active P2P pair goes out at the latest. */
  private long nominateBy = NONE;
  /** How long the controlling side waits for a standby relay pair before nominating P2P. */
  static final long STANDBY_GRACE_NANOS = 1_000_000_000L;
  /**
   * Once our relay pair has validated, how much longer the nomination of P2P waits so that the
   * peer's relay pair validates too: nominating ends the peer's checks, and a peer without a
   * validated relay pair has no standby to switch to (seen in 1 of 5 cut calls of
   * {@code ./pq bench ice} before this wait).
   */
  static final long PEER_STANDBY_NANOS = 500_000_000L;
  private boolean helping;
  private boolean everMedia;
  private Pair switchedFrom;
  private long switchGapFrom = NONE;
  private boolean restarted;
  /** The last media or check answer on any pair: when nothing comes for long, ICE restarts. */
  private long lastSign = NONE;
  /** Every path silent and unanswered this long, after media had flowed: ask for an ICE restart. */
  static final long RESTART_AFTER_NANOS = 2_000_000_000L;

  private static final class Pair {
    final int id;
    final PathKind kind;
    long rtt;
    long lastMedia = NONE;
    long runStart = NONE;
    long probeSentAt = NONE;
    long nextProbe = NONE;
    long answeredSince = NONE;
    long lastAnswer = NONE;

    Pair(int id, PathKind kind, long rtt) {
      this.id = id;
      this.kind = kind;
      this.rtt = rtt;
    }
  }

  /**
   * @param local our NAT class; {@code remote} the peer's, from its SDP (UNKNOWN if it sent none)
   */
  public PathPolicy(PathSettings settings, boolean controlling, NatClass local, NatClass remote) {
    this.settings = settings;
    this.controlling = controlling;
    this.relayAtOnce = local.defeatsP2p() || remote.defeatsP2p();
  }

  /** Connectivity checks started: the P2P window counts from here. */
  public void checksStarted(long now) {
    if (checksStarted == NONE) {
      checksStarted = now;
      decide(now);
    }
  }

  /** A pair passed its connectivity check, with the check's round-trip time. */
  public void pairValidated(int pair, PathKind kind, long rttNanos, long now) {
    Pair p = pairs.get(pair);
    if (p == null) {
      p = new Pair(pair, kind, rttNanos);
      pairs.put(pair, p);
      if (active != null && kind == PathKind.P2P && active.kind == PathKind.RELAY) {
        p.nextProbe = now; // a P2P pair that works after all: see whether it holds, then move back
      }
    } else {
      p.rtt = rttNanos;
    }
    if (kind == PathKind.RELAY && nominateBy != NONE) {
      nominateBy = Math.min(nominateBy, now + PEER_STANDBY_NANOS);
    }
    decide(now);
  }

  private void nominatePending() {
    nominateBy = NONE;
    out.add(new PathAction.Nominate(active.id));
  }

  /** The controlled side learns which pair the peer nominated. */
  public void nominatedByPeer(int pair, long now) {
    Pair p = pairs.get(pair);
    if (controlling || p == null || p == active) {
      return;
    }
    if (active == null) {
      select(p, now);
    } else {
      moveTo(p, now, false);
    }
  }

  /** An authenticated media packet arrived over this pair. */
  public void mediaReceived(int pair, long now) {
    Pair p = pairs.get(pair);
    if (p == null) {
      return;
    }
    if (p.lastMedia == NONE || now - p.lastMedia > silence()) {
      p.runStart = now;
    }
    p.lastMedia = now;
    lastSign = now;
    everMedia = true;
    if (active == null) {
      return;
    }
    if (p == active) {
      if (suspect) {
        suspect = false; // the path came back by itself: stop doubling
        send(active, null);
      }
      reportSwitchOnceMediaArrives(now);
    } else if (quietFor(now) >= silence()) {
      moveTo(p, now, true); // the peer moved to this pair while ours went quiet: follow it
    } else if (p.kind == PathKind.RELAY && active.kind == PathKind.P2P && sendingAlsoOn == null
        && active.lastMedia != NONE && now - active.lastMedia < silence()) {
      // The peer doubles onto the relay while ours still delivers: it hears nothing from us on
      // P2P. Double ours too, so it hears us before its probe has even failed. (Not while we
      // have just moved to P2P and wait for the peer to follow: doubling would keep it away.)
      helping = true;
      send(active, p);
    }
  }

  /**
   * A connectivity check on this pair was answered: one of our probes, or one of the keep-alive
   * checks the ICE agent sends on every succeeded pair. A P2P pair we left counts as recovered
   * once answers have come for {@code recoveryProbes} intervals without a gap of two.
   */
  public void probeSucceeded(int pair, long now) {
    Pair p = pairs.get(pair);
    if (p == null || active == null) {
      return;
    }
    long interval = nanos(settings.probeInterval().toMillis());
    p.probeSentAt = NONE;
    lastSign = now;
    if (p == active) {
      if (probeSentAt != NONE || suspect) {
        probeSentAt = NONE;
        nextActiveProbe = now + interval;
        if (suspect) {
          suspect = false; // alive, only quiet (the peer may be on hold): stop doubling
          send(active, null);
        }
      }
      return;
    }
    if (p.answeredSince == NONE || now - p.lastAnswer > 2 * interval) {
      p.answeredSince = now; // a new run of answers
    }
    p.lastAnswer = now;
    long steady = (settings.recoveryProbes() - 1) * interval;
    if (p.kind == PathKind.P2P && active.kind == PathKind.RELAY && p.nextProbe != NONE && now - p.answeredSince >= steady) {
      moveTo(p, now, true);
    }
  }

  /**
   * Our local address changed (new interface, NAT rebinding): ICE must restart. Also decided
   * here when every pair has gone silent and unanswered for {@link #RESTART_AFTER_NANOS} after
   * media had flowed: the relay allocation and the P2P mappings belong to an address we no
   * longer have (or the peer no longer has).
   */
  public void localAddressChanged(long now) {
    if (!restarted) {
      restarted = true;
      out.add(new PathAction.Restart());
    }
  }

  /** Deadlines: the P2P window, silence on the active path, probe timeouts and intervals, restart. */
  public void tick(long now) {
    if (active == null) {
      decide(now);
      return;
    }
    if (nominateBy != NONE && now >= nominateBy) {
      nominatePending();
    }
    if (everMedia && !restarted && now - lastSign >= RESTART_AFTER_NANOS) {
      localAddressChanged(now); // nothing on any path, no check answered: our addresses are stale
    }
    long silence = silence();
    long timeout = nanos(settings.probeTimeout().toMillis());
    if (helping && !suspect && (sendingAlsoOn == null || now - sendingAlsoOn.lastMedia >= silence)) {
      helping = false; // the peer stopped doubling: so do we
      send(active, null);
    }
    if (!suspect && quietFor(now) >= silence && (nextActiveProbe == NONE || now >= nextActiveProbe)) {
      suspect = true;
      probe(active, now);
      probeSentAt = now;
      Pair standby = standby();
      if (standby != null) {
        helping = false;
        send(active, standby); // make before break: the peer drops duplicates by SRTP replay protection
      }
    }
    if (suspect && probeSentAt != NONE && now - probeSentAt >= timeout) {
      active.probeSentAt = NONE;
      probeSentAt = NONE;
      Pair standby = standby();
      if (standby != null) {
        moveTo(standby, now, true);
      } else {
        nextActiveProbe = now + nanos(settings.probeInterval().toMillis());
        suspect = false; // nowhere to go: keep sending and probe again later
      }
    }
    for (Pair p : pairs.values()) {
      if (p == active) {
        continue;
      }
      if (p.probeSentAt != NONE && now - p.probeSentAt >= timeout) {
        p.probeSentAt = NONE; // unanswered; a gap in answers restarts the recovery count
      }
      if (p.nextProbe != NONE && p.probeSentAt == NONE && now >= p.nextProbe) {
        probe(p, now);
        p.nextProbe = now + nanos(settings.probeInterval().toMillis());
      }
    }
  }

  /** The earliest time {@link #tick} has something to do, or {@link Long#MAX_VALUE}. */
  public long nextDeadline() {
    long next = Long.MAX_VALUE;
    if (active == null) {
      if (checksStarted != NONE && !relayAtOnce) {
        next = checksStarted + nanos(settings.p2pWindow().toMillis());
      }
      return next;
    }
    long silence = silence();
    long timeout = nanos(settings.probeTimeout().toMillis());
    if (nominateBy != NONE) {
      next = Math.min(next, nominateBy);
    }
    if (everMedia && !restarted) {
      next = Math.min(next, lastSign + RESTART_AFTER_NANOS);
    }
    if (!suspect && quietReference() != NONE) {
      next = Math.min(next, Math.max(quietReference() + silence, nextActiveProbe));
    }
    if (helping && sendingAlsoOn != null) {
      next = Math.min(next, sendingAlsoOn.lastMedia + silence);
    }
    if (probeSentAt != NONE) {
      next = Math.min(next, probeSentAt + timeout);
    }
    for (Pair p : pairs.values()) {
      if (p == active) {
        continue;
      }
      if (p.probeSentAt != NONE) {
        next = Math.min(next, p.probeSentAt + timeout);
      } else if (p.nextProbe != NONE) {
        next = Math.min(next, p.nextProbe);
      }
    }
    return next;
  }

  /** The actions decided since the last call, in order. */
  public List<PathAction> drain() {
    if (out.isEmpty()) {
      return List.of(); // the common case, once per media packet: nothing to copy
    }
    List<PathAction> actions = List.copyOf(out);
    out.clear();
    return actions;
  }

  /** The kind of the pair media is sent on, or null before one is chosen. */
  public PathKind activeKind() {
    return active == null ? null : active.kind;
  }

  private void decide(long now) {
    if (active != null || checksStarted == NONE) {
      return;
    }
    Pair p2p = best(PathKind.P2P);
    if (p2p != null) {
      select(p2p, now);
      return;
    }
    Pair relay = best(PathKind.RELAY);
    boolean windowOver = now - checksStarted >= nanos(settings.p2pWindow().toMillis());
    if (relay != null && (relayAtOnce || windowOver)) {
      select(relay, now);
    }
  }

  private void select(Pair p, long now) {
    active = p;
    activeSince = now;
    if (controlling) {
      if (p.kind == PathKind.P2P) {
        // Nominating ends ICE's checks: wait (media already flows) until the relay pair has
        // validated too, here and, a moment later, at the peer, so it is there as the standby
        // on both sides, or until the grace runs out.
        nominateBy = now + (best(PathKind.RELAY) == null ? STANDBY_GRACE_NANOS : PEER_STANDBY_NANOS);
      } else {
        out.add(new PathAction.Nominate(p.id));
      }
    }
    send(p, null);
    out.add(new PathAction.Selected(p.kind, (now - checksStarted) / 1_000_000));
    if (p.kind == PathKind.RELAY) {
      for (Pair q : pairs.values()) {
        if (q.kind == PathKind.P2P) {
          q.nextProbe = now; // validated late: worth moving to if it holds
        }
      }
    }
  }

  /** Media moves to {@code p}; a user-visible switch is reported once media arrives on it. */
  private void moveTo(Pair p, long now, boolean report) {
    Pair from = active;
    active = p;
    activeSince = now;
    suspect = false;
    helping = false;
    probeSentAt = NONE;
    nextActiveProbe = NONE;
    send(p, null);
    p.nextProbe = NONE;
    p.probeSentAt = NONE;
    p.answeredSince = NONE;
    from.answeredSince = NONE;
    from.nextProbe = from.kind == PathKind.P2P ? now + nanos(settings.probeInterval().toMillis()) : NONE;
    if (report && from.kind != p.kind) {
      switchedFrom = from;
      switchGapFrom = from.lastMedia;
      reportSwitchOnceMediaArrives(now);
    }
  }

  private void reportSwitchOnceMediaArrives(long now) {
    if (switchedFrom == null || active.lastMedia == NONE) {
      return;
    }
    long firstOnNew = active.runStart;
    long gap = switchGapFrom == NONE || firstOnNew <= switchGapFrom ? 0 : firstOnNew - switchGapFrom;
    out.add(new PathAction.Switched(switchedFrom.kind, active.kind, gap / 1_000_000));
    switchedFrom = null;
  }

  /** The best validated pair of the other kind than the active one. */
  private Pair standby() {
    return best(active.kind == PathKind.P2P ? PathKind.RELAY : PathKind.P2P);
  }

  private Pair best(PathKind kind) {
    Pair best = null;
    for (Pair p : pairs.values()) {
      if (p.kind == kind && (best == null || p.rtt < best.rtt)) {
        best = p;
      }
    }
    return best;
  }

  private void send(Pair p, Pair alsoOn) {
    if (sendingAlsoOn == alsoOn && lastSent == p) {
      return;
    }
    lastSent = p;
    sendingAlsoOn = alsoOn;
    out.add(new PathAction.Send(p.id, alsoOn == null ? OptionalInt.empty() : OptionalInt.of(alsoOn.id)));
  }

  private void probe(Pair p, long now) {
    p.probeSentAt = now;
    out.add(new PathAction.Probe(p.id));
  }

  /**
   * Since when the active path counts as quiet: its last media, but never before it has had a
   * fair chance (a path we just moved to gets {@code probeInterval} for the peer to follow);
   * NONE while the call has had no media at all (nothing to miss yet).
   */
  private long quietReference() {
    if (!everMedia) {
      return NONE;
    }
    long settled = activeSince + nanos(settings.probeInterval().toMillis());
    return Math.max(active.lastMedia, settled);
  }

  /** How long the active path has been quiet; -1 when it does not count as quiet yet. */
  private long quietFor(long now) {
    long since = quietReference();
    return since == NONE || now < since ? -1 : now - since;
  }

  private long silence() {
    return nanos(settings.silence().toMillis());
  }

  private static long nanos(long millis) {
    return millis * 1_000_000;
  }
}
