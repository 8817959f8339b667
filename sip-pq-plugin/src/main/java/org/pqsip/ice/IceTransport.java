package org.pqsip.ice;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.pqsip.media.MediaTransport;
import org.pqsip.srtp.PacketBuffer;

/**
 * A call's media over ICE: the {@link IceAgent} (ice4j) moves datagrams and reports pairs, the
 * {@link PathPolicy} decides, this class carries out its actions and ticks it every 10 ms. RTP
 * and RTCP share the one component (RFC 5761). The SRTP contexts live above, in the media
 * session: whatever pair carries the packets, they are the same.
 *
 * <p>A peer whose SDP has no ICE gets plain media from our host candidate's socket to its
 * {@code c=}/{@code m=} addresses ({@link #setRemote}), as without ICE.
 */
public final class IceTransport implements MediaTransport {
  /** What the call hears about its path. */
  public interface PathEvents {
    void selected(PathKind kind, long afterMillis);

    void switched(PathKind from, PathKind to, long gapMillis);

    /** Every path is dead (our addresses are stale): the call should restart ICE ({@link #restart}). */
    default void restartNeeded() {}
  }

  /**
   * Frees agents half a second after their call, on a thread of its own: the phone's timers may
   * be shut down by then (the phone closing), and an agent must still be freed.
   */
  private static final ScheduledExecutorService FREEING =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(org.pqsip.media.DaemonThreads.named("pqsip-ice-free"));

  private volatile IceAgent agent;
  private final IceConfig config;
  private final InetSocketAddress local;
  private final boolean controlling;
  private final boolean relayReachable;
  private final NatClass probedNat;
  private volatile NatClass localNat;
  /** Which agent's events count: events of an agent replaced by a restart are dropped. */
  private volatile int generation;
  private final PathEvents pathEvents;
  private final ScheduledExecutorService timers;
  private final PacketBuffer rx = new PacketBuffer();
  private final Object lock = new Object();
  private PathPolicy policy;
  private ScheduledFuture<?> ticker;
  private volatile Receiver receiver;
  private volatile int sendOn = -1;
  private volatile int alsoOn = -1;
  private volatile InetSocketAddress directRtp;
  private volatile InetSocketAddress directRtcp;
  private volatile boolean closed;
  private volatile String remoteUfrag;
  /** When the call's first connectivity checks started (System.nanoTime), 0 before. */
  private volatile long firstChecks;

  private IceTransport(IceConfig config, InetSocketAddress local, boolean controlling, NatClass localNat,
      boolean relayReachable, ScheduledExecutorService timers, PathEvents pathEvents) throws IOException {
    this.config = config;
    this.local = local;
    this.controlling = controlling;
    this.relayReachable = relayReachable;
    this.probedNat = localNat;
    this.timers = timers;
    this.pathEvents = pathEvents;
    gatherAgent();
  }

  private void gatherAgent() throws IOException {
    IceAgent a = IceAgent.gather(config, local, controlling, relayReachable, new AgentEvents(generation));
    // Relayed only over TCP/TLS: our UDP does not get out, so P2P is not worth waiting for.
    localNat = a.relayedOverStream() ? NatClass.UDP_BLOCKED : probedNat;
    agent = a;
  }

  /**
   * An ICE restart (RFC 8445 §2.4): the current agent, its checks, pairs and relay allocation
   * go, a new one gathers on the same local address (new credentials, new candidates, a new
   * allocation from wherever our NAT maps us now) and waits for the peer's new ICE
   * ({@link #start}). The SRTP contexts above are untouched. Returns our new ICE for the re-offer
   * or the answer.
   */
  public IceDescription restart() throws IOException {
    IceAgent old;
    synchronized (lock) {
      if (closed) {
        throw new IOException("call media closed");
      }
      generation++;
      old = agent;
      policy = null;
      sendOn = -1;
      alsoOn = -1;
      if (ticker != null) {
        ticker.cancel(false);
        ticker = null;
      }
    }
    old.releaseRelays();
    old.close(); // frees the host port for the new agent
    synchronized (lock) {
      gatherAgent();
      return agent.local(localNat);
    }
  }

  /** The ufrag of the peer's ICE that checks run with now, if they started. */
  public java.util.Optional<String> remoteUfrag() {
    return java.util.Optional.ofNullable(remoteUfrag);
  }

  /**
   * Gathers candidates for a call on {@code local} (our media address and a port of our range);
   * the relay is asked for candidates only if it answered NAT discovery ({@code relayReachable}).
   */
  public static IceTransport gather(IceConfig config, InetSocketAddress local, boolean controlling, NatClass localNat,
      boolean relayReachable, ScheduledExecutorService timers, PathEvents pathEvents) throws IOException {
    return new IceTransport(config, local, controlling, localNat, relayReachable, timers, pathEvents);
  }

  /** Our candidates and credentials for the SDP. */
  public IceDescription local() {
    return agent.local(localNat);
  }

  /** The peer's ICE: checks start now, and the policy with them. */
  public void start(IceDescription remote) {
    long now = System.nanoTime();
    IceAgent a;
    synchronized (lock) {
      if (policy != null || closed) {
        return; // a re-offer with the same credentials: ICE goes on as it is
      }
      remoteUfrag = remote.ufrag();
      if (firstChecks == 0) {
        firstChecks = now;
      }
      policy = new PathPolicy(config.path(), controlling, localNat, remote.nat());
      policy.checksStarted(now);
      apply();
      a = agent;
      ticker = timers.scheduleAtFixedRate(this::tick, 10, 10, TimeUnit.MILLISECONDS);
    }
    a.start(remote, now);
  }

  /** Our media address for the SDP: the host candidate, or once a path is chosen, where the peer sees us on it. */
  @Override
  public InetSocketAddress localRtp() {
    int active = sendOn;
    return active > 0 ? agent.defaultAddress(active) : agent.hostAddress();
  }

  /** For a peer without ICE only: send plain to its SDP addresses. Ignored once ICE runs. */
  @Override
  public void setRemote(InetSocketAddress rtp, InetSocketAddress rtcp) {
    synchronized (lock) {
      if (policy == null) {
        directRtp = rtp;
        directRtcp = rtcp;
        agent.direct(rtp, rtcp);
      }
    }
  }

  /** When the call's first connectivity checks started (System.nanoTime), if they have. */
  public java.util.OptionalLong checksStarted() {
    long t = firstChecks;
    return t == 0 ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(t);
  }

  /** A pair is chosen, or the peer does without ICE. */
  @Override
  public boolean canSend() {
    return !closed && (sendOn > 0 || directRtp != null);
  }

  @Override
  public void send(PacketBuffer p, boolean rtcp) throws IOException {
    if (closed) {
      return;
    }
    InetSocketAddress direct = rtcp ? directRtcp : directRtp;
    if (direct != null) {
      agent.sendDirect(direct, p.getBuffer(), p.getOffset(), p.getLength());
      return;
    }
    int primary = sendOn;
    int also = alsoOn;
    if (primary > 0) {
      agent.send(primary, p.getBuffer(), p.getOffset(), p.getLength());
    }
    if (also > 0) {
      agent.send(also, p.getBuffer(), p.getOffset(), p.getLength());
    }
  }

  @Override
  public void start(Receiver r) {
    this.receiver = r;
  }

  /** The path media is sent on now, or null before one is chosen. */
  public PathKind path() {
    synchronized (lock) {
      return policy == null ? null : policy.activeKind();
    }
  }

  private void tick() {
    long now = System.nanoTime();
    synchronized (lock) {
      if (policy != null && !closed && policy.nextDeadline() <= now) {
        policy.tick(now);
        apply();
      }
    }
  }

  /** Carries out what the policy decided (called with the lock held). */
  private void apply() {
    for (PathAction a : policy.drain()) {
      if (a instanceof PathAction.Nominate n) {
        nominateOffLock(n.pair());
      } else if (a instanceof PathAction.Send s) {
        sendOn = s.pair();
        alsoOn = s.alsoOn().orElse(-1);
      } else if (a instanceof PathAction.Selected s) {
        pathEvents.selected(s.kind(), s.afterMillis());
      } else if (a instanceof PathAction.Switched s) {
        pathEvents.switched(s.from(), s.to(), s.gapMillis());
      } else if (a instanceof PathAction.Restart) {
        pathEvents.restartNeeded(); // the call re-offers (chained, like a rekey) and calls restart()
      }
      // Probe: the agent's keep-alives (four a second on every succeeded pair) answer for it; a
      // probe with no answer within the policy's timeout counts as failed.
    }
  }

  /** ice4j takes its own locks to nominate: not under ours, and not at all once the phone closes. */
  private void nominateOffLock(int pair) {
    try {
      IceAgent a = agent;
      timers.execute(() -> a.nominate(pair));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      closed = true; // the phone is closing: this call's media ends with it
    }
  }

  private final class AgentEvents implements IceAgent.Events {
    private final int of;

    AgentEvents(int generation) {
      this.of = generation;
    }

    private boolean current() {
      return of == generation;
    }

    @Override
    public void pairValidated(int pair, PathKind kind, long rttNanos) {
      synchronized (lock) {
        if (policy != null && !closed && current()) {
          policy.pairValidated(pair, kind, rttNanos, System.nanoTime());
          apply();
        }
      }
    }

    @Override
    public void nominatedByPeer(int pair) {
      synchronized (lock) {
        if (policy != null && !closed && current()) {
          policy.nominatedByPeer(pair, System.nanoTime());
          apply();
        }
      }
    }

    @Override
    public void pairAnswered(int pair) {
      synchronized (lock) {
        if (policy != null && !closed && current()) {
          policy.probeSucceeded(pair, System.nanoTime());
          apply();
        }
      }
    }

    @Override
    public void media(int pair, byte[] data, int offset, int length) {
      Receiver r = receiver;
      if (r == null || length < 2 || length > rx.getBuffer().length || !current()) {
        return;
      }
      synchronized (lock) {
        if (pair > 0 && policy != null) {
          policy.mediaReceived(pair, System.nanoTime());
          apply();
        }
        // RFC 5761 §4: RTCP packet types 192-223 in the second byte; RTP payload types stay below.
        int second = data[offset + 1] & 0xff;
        boolean rtcp = second >= 192 && second <= 223;
        System.arraycopy(data, offset, rx.getBuffer(), 0, length);
        rx.setOffset(0);
        rx.setLength(length);
        r.onPacket(rx, rtcp);
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    if (ticker != null) {
      ticker.cancel(false);
    }
    // The relay is told to free our allocations now; the host socket stays a moment for its
    // answer, then everything goes (an allocation whose answer is lost expires on its own).
    agent.releaseRelays();
    FREEING.schedule(agent::close, 500, TimeUnit.MILLISECONDS);
  }
}
