package org.pqsip.call;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.pqsip.keying.KeyingException;
import org.pqsip.keying.PqCall;
import org.pqsip.keying.PreparedKeys;
import org.pqsip.keying.Role;
import org.pqsip.keying.Verification;
import org.pqsip.ice.IceDescription;
import org.pqsip.ice.PathKind;
import org.pqsip.media.AudioCodec;
import org.pqsip.negotiation.CallSecurity;
import org.pqsip.negotiation.MediaKeys;
import org.pqsip.negotiation.ReofferBudget;
import org.pqsip.negotiation.SdpNegotiator;
import org.pqsip.sdp.SdpException;
import org.pqsip.sdp.SessionDescription;

/**
 * One call's dialog and media-security decisions, sans-IO: every input carries {@code now}
 * (nanoseconds on any monotonic clock), it never reads a clock, opens a socket or starts a
 * thread, and its outputs are {@link CallAction}s that the driver takes with {@link #drain()}.
 * Deadlines (reveal timeout, ringing, retiring old keys) are stored and checked against the
 * {@code now} given to {@link #onTimer(long)}; {@link #nextDeadline()} says when to call it.
 *
 * <p>What it decides: offer and answer (through the {@link SdpNegotiator}), which keys media
 * use and when new ones take over, re-offers (chained rekeys, changed peers, refused
 * downgrades, the re-offer budget), forks, the reveal timeout ({@code unconfirmed}), teardown,
 * and what the user is told. What it leaves to the driver: SIP transactions and dialogs, ACKs,
 * sockets, media threads, and which SIP request a {@link CallAction.Respond} answers.
 */
public final class CallCore {
  /** Where a call is. */
  public enum State {
    CALLING,
    ESTABLISHED,
    ENDED
  }

  /**
   * The settings a call needs from the phone's configuration.
   *
   * @param ringTimeout how long an unanswered incoming call rings before 480
   * @param retireAfter how long the previous keys live after new ones took over (packets in flight)
   */
  public record Settings(
      AudioCodec codec, Duration revealTimeout, boolean autoAnswer, Duration ringTimeout, Duration retireAfter,
      Duration mediaSilence) {
    public static Settings of(AudioCodec codec, Duration revealTimeout, boolean autoAnswer) {
      return new Settings(codec, revealTimeout, autoAnswer, Duration.ofSeconds(30), Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    /** How long ICE may look for a first path before the call is given up (a TURN harvest alone may take 3 s). */
    public Duration pathTimeout() {
      return Duration.ofSeconds(10);
    }
  }

  private final int id;
  private final Role role;
  private final Settings settings;
  private final SdpNegotiator negotiator;
  private final long sessionId;
  private final long startNanos;
  private final ReofferBudget reoffers = new ReofferBudget();
  private final List<CallAction> out = new ArrayList<>();

  private State state = State.CALLING;
  private long sdpVersion = 1;
  private int mline;
  private LocalSdp.Remote remote;
  private CallSecurity security;
  /** Answerer: the security of a re-offer we answered, until the offerer proves its keys. */
  private CallSecurity pendingSecurity;
  private boolean answered;
  private boolean retriedAsSavp;
  /** The final non-2xx code our INVITE got (0: none). */
  private int refusalCode;
  private Optional<IceDescription> localIce = Optional.empty();
  private boolean awaitingPath;
  private long pathDeadline = Long.MAX_VALUE;
  private String path = PathKind.P2P.token();
  /** ICE only: from the start of connectivity checks to the first path chosen. */
  private long pathMillis = -1;
  /** An ICE restart is under way: the next path chosen is reported as restored. */
  private boolean iceRestarting;
  /**
   * When the ICE restart under way is given up: the caller then restarts again (at most
   * {@link #MAX_RESTARTS} in all), the callee, or a caller out of attempts, ends the call: never
   * silently dead.
   */
  private long restartDeadline = Long.MAX_VALUE;
  private int restartAttempts;
  /** Caller: a re-INVITE of ours awaits its final response (no second one while it does). */
  private boolean reofferPending;
  /** ICE restarts a caller tries before it ends a call whose every path died. */
  static final int MAX_RESTARTS = 3;
  /** A re-offer that restarts ICE, held until the transport has gathered anew. */
  private String restartOffer;
  /** That re-offer is being answered now, with our new ICE. */
  private boolean answeringRestart;
  private InetSocketAddress localRtp;
  private boolean acked;
  private boolean establishedReported;
  private boolean revealTimedOut;
  private long establishedNanos;
  private long mediaReceived;
  private long mediaProgressNanos;
  private long sendFailures;
  private boolean silenceReported;
  private boolean sendFailureReported;
  /** Callee: the offer read by {@link #onInvite}, answered by {@link #answer}. */
  private SessionDescription incomingOffer;

  private PqCall revealWatched;
  private CallSecurity revealWatchedSecurity;
  private long revealDeadline = Long.MAX_VALUE;
  private long ringDeadline = Long.MAX_VALUE;
  private final List<Retiring> retiring = new ArrayList<>();

  private record Retiring(CallSecurity security, long deadline) {}

  private CallCore(int id, Role role, Settings settings, SdpNegotiator negotiator, long sessionId, long now) {
    this.id = id;
    this.role = role;
    this.settings = settings;
    this.negotiator = negotiator;
    this.sessionId = sessionId;
    this.startNanos = now;
  }

  /** A call we place; {@link #offer} gives the INVITE's SDP. */
  public static CallCore outgoing(int id, Settings s, SdpNegotiator negotiator, long sessionId, long now) {
    return new CallCore(id, Role.OFFERER, s, negotiator, sessionId, now);
  }

  /** A call we receive; {@link #onInvite} reads its offer. */
  public static CallCore incoming(int id, Settings s, SdpNegotiator negotiator, long sessionId, long now) {
    return new CallCore(id, Role.ANSWERER, s, negotiator, sessionId, now);
  }

  public int id() {
    return id;
  }

  public Role role() {
    return role;
  }

  public State state() {
    return state;
  }

  /** The security the call's media use now (null before the first offer/answer settled). */
  public CallSecurity security() {
    return security;
  }

  /** When the call was set up (for media timing), if it was. */
  public OptionalLong establishedNanos() {
    return establishedReported ? OptionalLong.of(establishedNanos) : OptionalLong.empty();
  }

  public long startNanos() {
    return startNanos;
  }

  /** What the driver must do now, in order; the list is emptied. */
  public List<CallAction> drain() {
    List<CallAction> a = List.copyOf(out);
    out.clear();
    return a;
  }

  // ------------------------------------------------------------------ transport

  /** Our ICE for every offer and answer of this call (the driver gathered it); none: no ICE. */
  public void useIce(IceDescription ours) {
    localIce = Optional.of(ours);
  }

  /**
   * ICE chose the call's first path, {@code afterMillis} after its checks started (media goes out
   * on it from now): the call is established once its keys are too.
   */
  public void pathSelected(PathKind kind, long afterMillis, long now) {
    if (state == State.ESTABLISHED && iceRestarting) {
      iceRestarting = false;
      restartDeadline = Long.MAX_VALUE;
      restartAttempts = 0;
      path = kind.token();
      Map<String, Object> f = fields();
      f.put("path", path);
      f.put("pathMs", afterMillis);
      out.add(new CallAction.Emit("path-restored", f));
      return;
    }
    if (!awaitingPath || state != State.ESTABLISHED) {
      return;
    }
    awaitingPath = false;
    pathDeadline = Long.MAX_VALUE;
    path = kind.token();
    pathMillis = afterMillis;
    maybeReportEstablished(now);
  }

  /**
   * Every path of the call went dead (NAT rebinding, new interface: our addresses or the peer's
   * are stale). The caller restarts ICE with a re-offer chained to the call's keys like any
   * rekey; the callee waits for it (two restarts at once would collide).
   */
  public void pathsLost(long now) {
    if (state != State.ESTABLISHED || localIce.isEmpty() || role != Role.OFFERER || iceRestarting) {
      return;
    }
    iceRestarting = true;
    restartAttempts = 1;
    restartDeadline = now + settings.pathTimeout().toNanos();
    Map<String, Object> f = fields();
    f.put("reason", "no-path");
    out.add(new CallAction.Emit("ice-restart", f));
    out.add(new CallAction.RestartIce());
  }

  /**
   * The transport restarted ICE and gathered {@code ours}: answer the re-offer that asked for it,
   * or (we asked) send the re-offer, a fresh exchange chained to the call's keys.
   */
  public void iceRestarted(IceDescription ours, InetSocketAddress localRtp, long now) {
    localIce = Optional.of(ours);
    if (restartOffer != null) {
      String body = restartOffer;
      restartOffer = null;
      answeringRestart = true;
      try {
        onReInvite(body, localRtp, now);
      } finally {
        answeringRestart = false;
      }
    } else if (state == State.ESTABLISHED && role == Role.OFFERER) {
      rekey(localRtp);
    }
  }

  /** Media moved paths mid-call (the keys did not change). */
  public void pathSwitched(PathKind from, PathKind to, long gapMillis) {
    if (state != State.ESTABLISHED) {
      return;
    }
    path = to.token();
    Map<String, Object> f = fields();
    f.put("from", from.token());
    f.put("to", to.token());
    f.put("gapMs", gapMillis);
    out.add(new CallAction.Emit("path-switch", f));
  }

  /** Our SDP with our ICE on {@code mline}, when we do ICE. */
  private SessionDescription ours(SessionDescription sdp, int mline) {
    return localIce.map(ice -> LocalSdp.withIce(sdp, mline, ice)).orElse(sdp);
  }

  /** Whether a re-offer changes the peer's ICE credentials (an ICE restart) of a call doing ICE. */
  private boolean restartsIce(LocalSdp.Remote offered) {
    if (answeringRestart || localIce.isEmpty() || remote == null || remote.ice().isEmpty() || offered.ice().isEmpty()) {
      return false;
    }
    IceDescription before = remote.ice().get();
    IceDescription now = offered.ice().get();
    return !before.ufrag().equals(now.ufrag()) || !before.pwd().equals(now.pwd());
  }

  /** Our answer to {@code offer}: with our ICE only if the offerer does ICE too. */
  private SessionDescription answerSdp(SessionDescription offer, LocalSdp.Remote from, InetSocketAddress localRtp, long version) {
    SessionDescription plain = LocalSdp.answer(offer, from.mline(), localRtp, settings.codec(), sessionId, version);
    return from.ice().isPresent() ? ours(plain, from.mline()) : plain;
  }

  /** Media starts; with ICE on both sides, {@code established} waits for the first path. */
  private void startMedia(Optional<byte[]> reveal, long now) {
    out.add(new CallAction.StartMedia(remote, mediaKeys(security), reveal));
    if (localIce.isPresent() && remote.ice().isPresent() && !awaitingPath && !establishedReported) {
      awaitingPath = true;
      pathDeadline = now + settings.pathTimeout().toNanos();
    }
  }

  // ------------------------------------------------------------------ caller

  /** The SDP of our INVITE, media at {@code localRtp}. */
  public String offer(InetSocketAddress localRtp, Optional<PreparedKeys> prepared) {
    this.localRtp = localRtp;
    return negotiator.createOffer(ours(LocalSdp.audio(localRtp, settings.codec(), sessionId, sdpVersion), 0), prepared).format();
  }

  /** The 2xx to our INVITE (the driver has ACKed it). */
  public void onAnswer(String body, long now) {
    if (state != State.CALLING) {
      return;
    }
    answered = true;
    try {
      SessionDescription answer = SessionDescription.parse(body);
      Optional<LocalSdp.Remote> r = LocalSdp.remote(answer);
      if (r.isEmpty()) {
        fail("answer has no audio stream we can play (PCMU/PCMA)");
        return;
      }
      if (localRtp != null && !sameFamily(r.get(), localRtp)) {
        fail("cannot send media: " + familyMismatch(r.get(), localRtp));
        return;
      }
      security = negotiator.acceptAnswer(answer);
      remote = r.get();
      mline = remote.mline();
      state = State.ESTABLISHED;
      acked = true;
      startMedia(reveal(security), now);
      maybeReportEstablished(now);
    } catch (SdpException e) {
      fail("malformed SDP in the answer: " + e.getMessage());
    } catch (KeyingException e) {
      fail("the answer's keys were refused (" + e + ")");
    } catch (RuntimeException e) {
      fail("cannot use the answer (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** Another fork answered the INVITE after the call was set up with the first one. */
  public void onForkAnswer() {
    out.add(new CallAction.EndFork());
    error("a second fork answered the call; ended that fork (one answer per offer)");
  }

  /** A final non-2xx response to our INVITE or re-INVITE. */
  public void onRefused(int code, String reason, String warning) {
    String text = code + " " + reason + (warning.isEmpty() ? "" : " (" + warning + ")");
    if (state == State.ESTABLISHED) {
      reofferPending = false;
      error("re-INVITE refused, the call keeps its keys: " + text
          + (iceRestarting ? "; the ICE restart is tried again when its time is up" : ""));
      return;
    }
    if (state == State.ENDED) {
      return;
    }
    refusalCode = code;
    if (code == 488 && role == Role.OFFERER && !retriedAsSavp && negotiator.canRetryAsSavp()) {
      // A legacy phone that insists on SRTP (RTP/SAVP only) refuses best-effort RTP/AVP offers,
      // though ours carries SDES keys: offer the same once more as RTP/SAVP (RFC 3261 §8.1.3.5).
      retriedAsSavp = true;
      out.add(new CallAction.RetryInvite(
          negotiator.createSavpOffer(ours(LocalSdp.audio(localRtp, settings.codec(), sessionId, ++sdpVersion), 0)).format()));
      return;
    }
    error("call refused: " + text);
    release(code == 487 ? "cancelled" : "refused");
  }

  /** Our INVITE got no final answer (transaction timeout). */
  public void onTimeout() {
    if (state == State.CALLING) {
      error("no answer from the peer (SIP transaction timed out)");
      release("timeout");
    } else if (state == State.ESTABLISHED && reofferPending) {
      reofferPending = false;
      error("no answer to our re-INVITE (SIP transaction timed out); the call keeps its keys");
    }
  }

  /** A re-INVITE with a fresh (chained) pqkem offer; only the caller of an established call. */
  public void rekey(InetSocketAddress localRtp) {
    if (state != State.ESTABLISHED || role != Role.OFFERER) {
      error("only the caller of an established call can rekey");
      return;
    }
    SessionDescription offer =
        negotiator.createOffer(ours(LocalSdp.audio(localRtp, settings.codec(), sessionId, ++sdpVersion), 0));
    out.add(new CallAction.SendReoffer(offer.format()));
    reofferPending = true;
  }

  /** The 2xx answering our re-offer. A bad answer changes nothing: the call keeps its keys. */
  public void onReofferAnswer(String body, long now) {
    reofferPending = false;
    if (state != State.ESTABLISHED) {
      return;
    }
    CallSecurity previous = security;
    try {
      SessionDescription answer = SessionDescription.parse(body);
      Optional<LocalSdp.Remote> r = LocalSdp.remote(answer);
      if (r.isEmpty()) {
        error("re-INVITE answer has no audio stream we can play; the call keeps its media");
        return;
      }
      CallSecurity next = negotiator.acceptAnswer(answer);
      security = next;
      remote = r.get();
      mline = remote.mline();
      out.add(new CallAction.ChangeKeys(remote, mediaKeys(next), reveal(next), false));
      reportExchange(next);
      retire(previous, now);
    } catch (SdpException e) {
      error("rekey failed, the call keeps its keys: malformed SDP in the answer: " + e.getMessage());
    } catch (KeyingException e) {
      error("rekey failed, the call keeps its keys: the answer's keys were refused (" + e + ")");
    } catch (RuntimeException e) {
      error("rekey failed, the call keeps its keys (" + e.getClass().getSimpleName() + ")");
    }
  }

  // ------------------------------------------------------------------ callee

  /**
   * An INVITE for a new call. Returns the peer's media when the driver should open media sockets
   * and call {@link #answer}; otherwise the call rings (no auto-answer) or is refused, and the
   * actions say so.
   */
  public Optional<LocalSdp.Remote> onInvite(String body, long now) {
    out.add(new CallAction.Emit("incoming", fields()));
    Optional<LocalSdp.Remote> r;
    try {
      SessionDescription offer = SessionDescription.parse(body);
      r = LocalSdp.remote(offer);
      if (r.isEmpty()) {
        refuse(488, "sdp-no-audio", "offer has no audio stream we can play (PCMU/PCMA)");
        return Optional.empty();
      }
      incomingOffer = offer;
      remote = r.get();
      mline = remote.mline();
    } catch (SdpException e) {
      refuse(400, "sdp-malformed", "malformed SDP in INVITE: " + e.getMessage());
      return Optional.empty();
    } catch (RuntimeException e) {
      refuse(500, "internal", "could not read the INVITE (" + e.getClass().getSimpleName() + ")");
      return Optional.empty();
    }
    if (!settings.autoAnswer()) {
      // Ringing: the offer is read and kept until the user (or a gateway) picks up, or the ring
      // timeout refuses the call.
      out.add(new CallAction.Respond(180, Optional.empty(), Optional.empty()));
      ringDeadline = now + settings.ringTimeout().toNanos();
      return Optional.empty();
    }
    return r;
  }

  /**
   * The user (or the trunk gateway, once the far leg is up) answers a ringing call. Returns the
   * peer's media for the driver to open sockets and call {@link #answer}; empty when this call
   * is not ringing (answered, refused, cancelled or ended).
   */
  public Optional<LocalSdp.Remote> pickUp(long now) {
    if (state != State.CALLING || incomingOffer == null || ringDeadline == Long.MAX_VALUE) {
      return Optional.empty();
    }
    ringDeadline = Long.MAX_VALUE;
    return Optional.of(remote);
  }

  /** Answers the INVITE read by {@link #onInvite}, our media at {@code localRtp}. */
  public void answer(InetSocketAddress localRtp, long now) {
    if (state != State.CALLING || incomingOffer == null) {
      return;
    }
    if (!sameFamily(remote, localRtp)) {
      incomingOffer = null;
      refuse(488, "sdp-address-family", familyMismatch(remote, localRtp));
      return;
    }
    try {
      SdpNegotiator.Answer a =
          negotiator.answerOffer(incomingOffer, answerSdp(incomingOffer, remote, localRtp, sdpVersion));
      security = a.security();
      out.add(new CallAction.Respond(200, Optional.empty(), Optional.of(a.sdp().format())));
      state = State.ESTABLISHED;
      startMedia(Optional.empty(), now);
      watchReveal(security, now);
      maybeReportEstablished(now);
    } catch (KeyingException e) {
      refuse(488, e.code(), e.getMessage());
    } catch (RuntimeException e) {
      refuse(500, "internal", "could not answer the INVITE (" + e.getClass().getSimpleName() + ")");
    } finally {
      incomingOffer = null;
    }
  }

  /** The driver could not open media for the INVITE (e.g. the port range is exhausted). */
  public void mediaUnavailable(String why) {
    refuse(500, "media", "cannot open media sockets: " + why);
  }

  public void onAck(long now) {
    onAck("", now);
  }

  /**
   * The ACK of an INVITE we answered. After an offerless re-INVITE (we put an offer in our
   * 200 OK) it carries the answer (RFC 3264 §5 via RFC 3261 §13.2.1): handled like the answer to
   * a re-offer of ours, chained and never a step down; a missing or bad one changes nothing.
   */
  public void onAck(String body, long now) {
    acked = true;
    if (awaitingAnswerInAck) {
      awaitingAnswerInAck = false;
      if (body.isBlank()) {
        error("the ACK to our offer (offerless re-INVITE) carried no answer; the call keeps its keys");
      } else {
        onReofferAnswer(body, now);
      }
    }
    maybeReportEstablished(now);
  }

  /** We answered an offerless re-INVITE with an offer: its answer comes in the ACK. */
  private boolean awaitingAnswerInAck;

  /**
   * A re-offer in an established call. Refused (488, current keys kept) when it would lower the
   * call's security or comes too often; otherwise answered, and new keys take over only when the
   * offerer proves it holds them ({@link #onReveal}); a re-offer nobody confirms is dropped at
   * the reveal timeout.
   */
  public void onReInvite(String body, InetSocketAddress localRtp, long now) {
    if (state != State.ESTABLISHED) {
      out.add(new CallAction.Respond(491, Optional.empty(), Optional.empty()));
      return;
    }
    try {
      if (!reoffers.tryTake(now)) {
        throw new KeyingException(KeyingException.Reason.RATE_LIMITED, "too many re-offers in this call");
      }
      if (body.isBlank()) {
        // An offerless re-INVITE (session refresh, hold from some PBXs): we make the offer, a
        // fresh exchange chained to the call's keys, and take the answer from the ACK.
        SessionDescription ours =
            negotiator.createOffer(ours(LocalSdp.audio(localRtp, settings.codec(), sessionId, ++sdpVersion), 0));
        out.add(new CallAction.Respond(200, Optional.empty(), Optional.of(ours.format())));
        awaitingAnswerInAck = true;
        return;
      }
      SessionDescription offer = SessionDescription.parse(body);
      Optional<LocalSdp.Remote> r = LocalSdp.remote(offer);
      if (r.isEmpty()) {
        out.add(new CallAction.Respond(488, Optional.of("sdp-no-audio: re-offer has no audio stream we can play"), Optional.empty()));
        error("re-INVITE refused: no audio stream we can play; the call keeps its media");
        return;
      }
      if (!sameFamily(r.get(), localRtp)) {
        out.add(new CallAction.Respond(488, Optional.of("sdp-address-family: " + familyMismatch(r.get(), localRtp)), Optional.empty()));
        error("re-INVITE refused, the call keeps its media: " + familyMismatch(r.get(), localRtp));
        return;
      }
      if (restartsIce(r.get())) {
        // New ICE credentials (RFC 8839 §4.4.1.1.2): our answer needs new candidates too; the
        // transport gathers them and iceRestarted() answers this offer.
        reoffers.refund();
        restartOffer = body;
        iceRestarting = true;
        restartDeadline = now + 2 * settings.pathTimeout().toNanos(); // room for the caller's next attempt
        Map<String, Object> f = fields();
        f.put("reason", "peer");
        out.add(new CallAction.Emit("ice-restart", f));
        out.add(new CallAction.RestartIce());
        return;
      }
      SdpNegotiator.Answer a =
          negotiator.answerOffer(offer, answerSdp(offer, r.get(), localRtp, ++sdpVersion));
      out.add(new CallAction.Respond(200, Optional.empty(), Optional.of(a.sdp().format())));
      remote = r.get();
      mline = remote.mline();
      if (pendingSecurity != null) {
        negotiator.abandon(pendingSecurity);
        pendingSecurity.destroy();
      }
      pendingSecurity = a.security();
      out.add(new CallAction.ChangeKeys(remote, mediaKeys(pendingSecurity), Optional.empty(), true));
      if (pendingSecurity.pqCall().isEmpty()) {
        adoptPending(now); // sdes/none: nothing to confirm (allowed only where it is no step down)
      } else {
        watchReveal(pendingSecurity, now);
      }
    } catch (SdpException e) {
      out.add(new CallAction.Respond(400, Optional.of("sdp-malformed: " + e.getMessage()), Optional.empty()));
      error("malformed SDP in re-INVITE: " + e.getMessage());
    } catch (KeyingException e) {
      out.add(new CallAction.Respond(488, Optional.of(e.code() + ": " + e.getMessage()), Optional.empty()));
      error("re-INVITE refused, the call keeps its keys: " + e);
    } catch (RuntimeException e) {
      out.add(new CallAction.Respond(500, Optional.of("internal: could not answer the re-INVITE"), Optional.empty()));
      error("re-INVITE failed (" + e.getClass().getSimpleName() + ")");
    }
  }

  public void onBye() {
    release("remote-hangup");
  }

  /** The caller cancelled our ringing INVITE. */
  public void onCancel() {
    if (state == State.CALLING && role == Role.ANSWERER) {
      out.add(new CallAction.Respond(487, Optional.empty(), Optional.empty()));
      release("cancelled");
    }
  }

  /** The SIP stack ended the dialog. */
  public void onDialogEnded() {
    boolean ringing = role == Role.ANSWERER && state == State.CALLING;
    release(ringing ? "cancelled" : "dialog-ended");
  }

  // ------------------------------------------------------------------ both

  /**
   * A reveal arrived in SRTCP. It confirms either the call's first exchange or the pending one
   * of a re-offer we answered; anything else (an old exchange's reveal, a forgery) fails its MAC
   * and is ignored.
   */
  public void onReveal(byte[] reveal, long now) {
    if (state == State.ENDED) {
      return;
    }
    for (CallSecurity s : new CallSecurity[] {pendingSecurity, security}) {
      Optional<PqCall> pq = s == null ? Optional.empty() : s.pqCall();
      if (pq.isEmpty() || pq.get().role() != Role.ANSWERER || pq.get().isConfirmed()) {
        continue;
      }
      try {
        pq.get().acceptReveal(reveal);
      } catch (KeyingException e) {
        if (e.reason() == KeyingException.Reason.CONTINUITY_MISMATCH
            || e.reason() == KeyingException.Reason.COMMITMENT_MISMATCH) {
          fail("peer failed verification (" + e + ")");
          return;
        }
        continue; // not this exchange's reveal
      }
      if (s == pendingSecurity) {
        adoptPending(now);
      } else {
        maybeReportEstablished(now);
      }
      return;
    }
  }

  /** Deadlines: reveal timeout, ringing, keys retired after a rekey. */
  public void onTimer(long now) {
    if (now >= ringDeadline) {
      ringDeadline = Long.MAX_VALUE;
      if (state == State.CALLING && role == Role.ANSWERER) {
        out.add(new CallAction.Respond(480, Optional.empty(), Optional.empty()));
        release("not-answered");
      }
    }
    if (now >= revealDeadline) {
      revealDeadline = Long.MAX_VALUE;
      revealTimeout(now);
    }
    if (now >= pathDeadline) {
      pathDeadline = Long.MAX_VALUE;
      if (awaitingPath && state == State.ESTABLISHED) {
        error("no media path: ICE found no working pair to the peer in " + settings.pathTimeout().toSeconds() + " s");
        out.add(new CallAction.Bye());
        release("ice-failed");
      }
    }
    if (now >= restartDeadline) {
      restartDeadline = Long.MAX_VALUE;
      if (state == State.ESTABLISHED && iceRestarting) {
        restartTimedOut(now);
      }
    }
    retiring.removeIf(r -> {
      if (now >= r.deadline()) {
        r.security().destroy();
        return true;
      }
      return false;
    });
  }

  /**
   * The ICE restart under way found no path in time. A caller with attempts left restarts again
   * (after its pending re-INVITE, if any, has its answer: no second one meanwhile); otherwise the
   * call ends with {@code ice-failed} rather than stay up without media.
   */
  private void restartTimedOut(long now) {
    if (role == Role.OFFERER && restartAttempts < MAX_RESTARTS) {
      restartAttempts++;
      restartDeadline = now + settings.pathTimeout().toNanos();
      if (reofferPending) {
        return; // the re-INVITE is still out: this attempt waits for it
      }
      Map<String, Object> f = fields();
      f.put("reason", "retry");
      f.put("attempt", restartAttempts);
      out.add(new CallAction.Emit("ice-restart", f));
      out.add(new CallAction.RestartIce());
      return;
    }
    error("media path lost: ICE found no working pair again after "
        + (role == Role.OFFERER ? restartAttempts + " restart attempts" : "the caller's restart"));
    out.add(new CallAction.Bye());
    release("ice-failed");
  }

  /** When {@link #onTimer} should run next, if ever. */
  public OptionalLong nextDeadline() {
    long d = Math.min(Math.min(Math.min(ringDeadline, revealDeadline), pathDeadline), restartDeadline);
    for (Retiring r : retiring) {
      d = Math.min(d, r.deadline());
    }
    return d == Long.MAX_VALUE || state == State.ENDED ? OptionalLong.empty() : OptionalLong.of(d);
  }

  /** Ends the call from our side: BYE, or CANCEL while our INVITE is pending. */
  public void hangup() {
    if (state == State.ESTABLISHED) {
      out.add(new CallAction.Bye());
    } else if (state == State.CALLING && role == Role.OFFERER && !answered) {
      out.add(new CallAction.Cancel());
    } else if (state == State.CALLING && role == Role.ANSWERER) {
      out.add(new CallAction.Respond(486, Optional.empty(), Optional.empty()));
    }
    release("local-hangup");
  }

  /**
   * Refuses a ringing incoming call with {@code code} (3xx-6xx): the trunk gateway passes on the
   * far leg's refusal. Any other call is hung up.
   */
  public void decline(int code) {
    if (state == State.CALLING && role == Role.ANSWERER && code >= 300 && code < 700) {
      out.add(new CallAction.Respond(code, Optional.empty(), Optional.empty()));
      release("declined");
      return;
    }
    hangup();
  }

  /** The final non-2xx code our INVITE got, once refused. */
  public OptionalInt refusalCode() {
    return refusalCode == 0 ? OptionalInt.empty() : OptionalInt.of(refusalCode);
  }

  /**
   * The media's counters, every second or so. A call is never silently dead: no packet for
   * {@link Settings#mediaSilence()} after set-up ({@code no-media-received}) or since the last
   * one ({@code media-stopped}), or sends that fail ({@code send-failed}), emit
   * {@code media-warning}; {@code media-resumed} when packets flow again.
   */
  public void onMediaProgress(long packetsReceived, long sendFailuresSoFar, long now) {
    if (state != State.ESTABLISHED || !establishedReported) {
      return;
    }
    if (packetsReceived > mediaReceived) {
      mediaReceived = packetsReceived;
      mediaProgressNanos = now;
      if (silenceReported) {
        silenceReported = false;
        out.add(new CallAction.Emit("media-resumed", fields()));
      }
    } else if (!silenceReported && now - Math.max(mediaProgressNanos, establishedNanos) >= settings.mediaSilence().toNanos()) {
      silenceReported = true;
      Map<String, Object> f = fields();
      f.put("reason", mediaReceived == 0 ? "no-media-received" : "media-stopped");
      f.put("seconds", settings.mediaSilence().toSeconds());
      out.add(new CallAction.Emit("media-warning", f));
    }
    if (sendFailuresSoFar > sendFailures && !sendFailureReported) {
      sendFailureReported = true;
      Map<String, Object> f = fields();
      f.put("reason", "send-failed");
      out.add(new CallAction.Emit("media-warning", f));
    } else if (sendFailuresSoFar == sendFailures) {
      sendFailureReported = false; // a later burst is reported again
    }
    sendFailures = sendFailuresSoFar;
  }

  /** The user compared the SAS aloud and it matched. */
  public void verify() {
    Optional<PqCall> pq = security == null ? Optional.empty() : security.pqCall();
    if (pq.isEmpty()) {
      error("nothing to verify: the call is not keyed by pqkem");
      return;
    }
    try {
      pq.get().markSasVerified();
      Map<String, Object> f = fields();
      securityFields(f, security);
      out.add(new CallAction.Emit("verified", f));
    } catch (KeyingException | RuntimeException e) {
      error("cannot mark the SAS verified: " + e.getMessage());
    }
  }

  /** A failure the driver met (sending, media): report it and end the call. */
  public void fail(String why) {
    error(why);
    if (state == State.ESTABLISHED || (role == Role.OFFERER && answered)) {
      out.add(new CallAction.Bye());
    }
    release("error");
  }

  // ------------------------------------------------------------------ internals

  /** Our media socket can send to the peer's media address (same address family). */
  private static boolean sameFamily(LocalSdp.Remote r, InetSocketAddress local) {
    return (r.rtp().getAddress() instanceof java.net.Inet6Address) == (local.getAddress() instanceof java.net.Inet6Address);
  }

  private static String familyMismatch(LocalSdp.Remote r, InetSocketAddress local) {
    return "the peer's media address is " + family(r.rtp()) + " but this phone's media address is " + family(local)
        + " (--media): the call's audio could not be sent";
  }

  private static String family(InetSocketAddress a) {
    return a.getAddress() instanceof java.net.Inet6Address ? "IPv6" : "IPv4";
  }

  private void refuse(int code, String warnCode, String why) {
    out.add(new CallAction.Respond(code, Optional.of(warnCode + ": " + why), Optional.empty()));
    error("refused the call (" + code + "): " + warnCode + ": " + why);
    release("refused");
  }

  private void watchReveal(CallSecurity s, long now) {
    Optional<PqCall> pq = s.pqCall();
    if (pq.isEmpty() || pq.get().isConfirmed()) {
      return;
    }
    revealWatched = pq.get();
    revealWatchedSecurity = s;
    revealDeadline = now + settings.revealTimeout().toNanos();
  }

  /**
   * No valid reveal in time. For the first exchange the call goes on, reported as
   * {@code unconfirmed} (a warning). A re-offer's keys that were never confirmed are dropped and
   * the call keeps the keys it had: nothing unconfirmed ever replaces them.
   */
  private void revealTimeout(long now) {
    if (state == State.ENDED || revealWatched == null || revealWatched.isConfirmed()) {
      return;
    }
    if (pendingSecurity == revealWatchedSecurity) {
      negotiator.abandon(pendingSecurity);
      out.add(new CallAction.AbandonPendingKeys());
      pendingSecurity.destroy();
      pendingSecurity = null;
      error("WARNING: the re-offer's keys were never confirmed (no valid pqkem reveal within "
          + settings.revealTimeout().toSeconds() + " s); the call keeps its keys");
    } else if (security == revealWatchedSecurity) {
      revealTimedOut = true;
      maybeReportEstablished(now);
    }
  }

  /** The answerer's pending exchange is confirmed: it becomes the call's security. */
  private void adoptPending(long now) {
    CallSecurity previous = security;
    security = pendingSecurity;
    pendingSecurity = null;
    reportExchange(security);
    retire(previous, now);
  }

  private void retire(CallSecurity previous, long now) {
    if (previous != null && previous != security) {
      retiring.add(new Retiring(previous, now + settings.retireAfter().toNanos()));
    }
  }

  private void maybeReportEstablished(long now) {
    if (establishedReported || state != State.ESTABLISHED || !acked || awaitingPath) {
      return;
    }
    boolean unconfirmed = security.pqCall().isPresent() && !security.pqCall().get().isConfirmed();
    if (unconfirmed && !revealTimedOut) {
      return; // answerer: wait for the reveal
    }
    establishedReported = true;
    establishedNanos = now;
    if (!unconfirmed) {
      commitContinuity(security);
    }
    Map<String, Object> f = fields();
    f.put("role", role == Role.OFFERER ? "caller" : "callee");
    securityFields(f, security);
    if (unconfirmed) {
      f.put("verification", Verification.UNCONFIRMED.wireName());
    }
    f.put("path", path);
    if (pathMillis >= 0) {
      f.put("pathMs", pathMillis);
    }
    f.put("setupMs", Math.round((establishedNanos - startNanos) / 1e4) / 100.0);
    out.add(new CallAction.Emit("established", f));
    Optional<Verification> v = unconfirmed ? Optional.of(Verification.UNCONFIRMED) : security.verification();
    if (v.map(Verification::isWarning).orElse(false)) {
      error("WARNING: " + v.get().wireName() + " - compare the SAS aloud before trusting this call");
    }
  }

  /**
   * A new exchange in an established call took effect: {@code rekeyed} when it was chained to
   * the call's keys (same peer, same SAS), {@code peer-changed} when it was not (whoever answers
   * now is a different party, with its own SAS: loud).
   */
  private void reportExchange(CallSecurity s) {
    commitContinuity(s);
    boolean changed = s.pqCall().map(pq -> pq.exchange() == PqCall.Exchange.PEER_CHANGED).orElse(false);
    Map<String, Object> f = fields();
    securityFields(f, s);
    out.add(new CallAction.Emit(changed ? "peer-changed" : "rekeyed", f));
    if (changed) {
      error("WARNING: peer-changed - the other end of this call is now a different party "
          + "(transfer, or a man in the middle); compare the new SAS " + s.sas().orElse("?"));
    }
  }

  private void commitContinuity(CallSecurity s) {
    s.pqCall().ifPresent(pq -> {
      try {
        pq.commitContinuity();
      } catch (KeyingException | RuntimeException e) {
        error("cannot store the retained secret: " + e.getMessage());
      }
    });
  }

  private Optional<MediaKeys> mediaKeys(CallSecurity s) {
    return s.mediaKeys(mline);
  }

  private static Optional<byte[]> reveal(CallSecurity s) {
    return s.pqCall().filter(c -> c.role() == Role.OFFERER).map(PqCall::revealMessage);
  }

  static void securityFields(Map<String, Object> f, CallSecurity s) {
    f.put("security", s.security().wireName());
    f.put("kem", s.kem().orElse(null));
    f.put("srtp", s.srtp().map(Enum::name).orElse(null));
    f.put("sas", s.sas().orElse(null));
    f.put("verification", s.verification().map(Verification::wireName).orElse(null));
    s.pqCall().flatMap(PqCall::verifiedIdentity).ifPresent(who -> f.put("verifiedAs", who));
    s.note().ifPresent(n -> f.put("note", n.toString()));
  }

  private Map<String, Object> fields() {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("call", id);
    return f;
  }

  private void error(String message) {
    Map<String, Object> f = fields();
    f.put("message", message);
    out.add(new CallAction.Emit("error", f));
  }

  /** Wipes every key of the call and tells the driver to release it; once. */
  private void release(String reason) {
    if (state == State.ENDED) {
      return;
    }
    state = State.ENDED;
    for (CallSecurity s : new CallSecurity[] {security, pendingSecurity}) {
      if (s != null) {
        s.destroy();
      }
    }
    retiring.forEach(r -> r.security().destroy());
    retiring.clear();
    negotiator.close();
    revealDeadline = Long.MAX_VALUE;
    ringDeadline = Long.MAX_VALUE;
    out.add(new CallAction.Release(reason));
  }
}
