package org.pqsip.sip;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.text.ParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sip.ClientTransaction;
import javax.sip.Dialog;
import javax.sip.DialogTerminatedEvent;
import javax.sip.IOExceptionEvent;
import javax.sip.ListeningPoint;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.SipException;
import javax.sip.SipFactory;
import javax.sip.SipListener;
import javax.sip.SipProvider;
import javax.sip.SipStack;
import javax.sip.TimeoutEvent;
import javax.sip.TransactionTerminatedEvent;
import javax.sip.address.AddressFactory;
import javax.sip.address.SipURI;
import javax.sip.address.URI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.HeaderFactory;
import javax.sip.header.ViaHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.pqsip.keying.PeerStore;
import org.pqsip.call.CallAction;
import org.pqsip.call.CallCore;
import org.pqsip.call.LocalSdp;
import org.pqsip.ice.IceTransport;
import org.pqsip.ice.NatClass;
import org.pqsip.ice.PathKind;
import org.pqsip.media.CallMedia;
import org.pqsip.media.MediaPorts;
import org.pqsip.media.MediaTransport;
import org.pqsip.media.MediaSession;
import org.pqsip.media.Wav;
import org.pqsip.negotiation.SdpNegotiator;
import org.pqsip.srtp.SrtpStream;
import org.pqsip.sip.stack.MessageSizeRouter;
import org.pqsip.sip.stack.SilentServerLogger;
import org.pqsip.sip.stack.SilentStackLogger;
import org.pqsip.sip.stack.TlsServerIdentity;

/**
 * A headless SIP user agent on JAIN-SIP with pqkem keying and SRTP media: the driver around the
 * sans-IO keying core. It owns the SIP stack, one media session per call and a timer thread.
 *
 * <p>Every JAIN-SIP callback catches everything: no exception escapes into the SIP stack. Bad
 * SDP and refused keying end the call with a response (488 with a {@code Warning} that names
 * the {@code pqkem-…} code) or a BYE, and an {@code error} event a person can act on.
 */
public final class UserAgent implements SipListener, org.pqsip.sip.stack.TlsServerIdentity.Refusals, AutoCloseable {
  private static final AtomicInteger STACKS = new AtomicInteger();

  /** Replaced whole by {@link #reconfigure}; calls read it as they start. */
  private volatile PhoneConfig config;
  private final PeerStore store;
  private final PhoneEvents events;
  private final SecureRandom random;
  private final MediaPorts mediaPorts;
  /** Makes each call's media: a phone's {@link MediaSession}, or what a trunk gateway gives. */
  private final CallMedia.Factory mediaFactory;
  private volatile org.pqsip.ice.NatClass natClass;
  private volatile boolean relayAnswered;
  private final AtomicInteger callIds = new AtomicInteger();
  private final Map<Dialog, SipCall> byDialog = new ConcurrentHashMap<>();
  private final Map<ClientTransaction, SipCall> byClientTx = new ConcurrentHashMap<>();
  private final Map<String, SipCall> byServerTxBranch = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timers;

  /** The next offer's ephemeral keys, generated on the timer thread after each use. */
  private final java.util.concurrent.atomic.AtomicReference<org.pqsip.keying.PreparedKeys> nextKeys =
      new java.util.concurrent.atomic.AtomicReference<>();

  private SipStack stack;
  private SipProvider provider;
  private AddressFactory addresses;
  private HeaderFactory headers;
  private MessageFactory messages;
  private SipMessages sip;
  private Registration registration;

  public UserAgent(PhoneConfig config, PeerStore store, PhoneEvents events, SecureRandom random) {
    this(config, store, events, random, null, null);
  }

  /**
   * A user agent whose calls' media comes from {@code media} (null: a phone's, which plays the
   * configured audio and records), with the media sockets read by {@code loop} (null: one thread
   * per call). The trunk gateway gives both: its bridge legs, all on one loop.
   */
  public UserAgent(PhoneConfig config, PeerStore store, PhoneEvents events, SecureRandom random,
      CallMedia.Factory media, org.pqsip.media.MediaLoop loop) {
    this.config = config;
    this.store = store;
    this.events = events;
    this.random = random;
    this.mediaFactory = media != null ? media : this::phoneMedia;
    this.mediaPorts = new MediaPorts(config.mediaAddress(), config.mediaPortMin(), config.mediaPortMax(), loop);
    this.timers =
        Executors.newSingleThreadScheduledExecutor(org.pqsip.media.DaemonThreads.named("pqsip-ua-timer"));
  }

  /** Creates the SIP stack and listens on UDP and TCP at the configured address. */
  /**
   * With a UDP relay configured, asks it (RFC 5780, from one socket on our media address) what
   * NAT we are behind; calls tell the peer, and an address-dependent NAT sends them to the relay
   * at once. An unreachable relay leaves the class unknown (the P2P window then decides).
   */
  private void discoverNat() {
    Optional<org.pqsip.ice.RelayUri> relay = config.ice().udpRelay();
    if (relay.isEmpty()) {
      return;
    }
    try {
      org.pqsip.ice.NatProber.Result found =
          org.pqsip.ice.NatProber.probe(org.pqsip.ice.HostAddresses.of(config.mediaAddress()).get(0), relay.get().address());
      natClass = found.natClass();
      relayAnswered = found.mapped().isPresent();
    } catch (IOException e) {
      natClass = org.pqsip.ice.NatClass.UNKNOWN;
      events.event("media-warning", Map.of("reason", "nat-discovery-failed", "message", String.valueOf(e.getMessage())));
    }
  }

  /** What NAT discovery found at start, when a relay is configured. */
  public Optional<org.pqsip.ice.NatClass> natClass() {
    return Optional.ofNullable(natClass);
  }

  public void start() throws SipException {
    discoverNat();
    SipFactory factory = SipFactory.getInstance();
    factory.setPathName("gov.nist");
    Properties p = new Properties();
    p.setProperty("javax.sip.STACK_NAME", "pqsip-" + STACKS.incrementAndGet());
    p.setProperty("gov.nist.javax.sip.STACK_LOGGER", SilentStackLogger.class.getName());
    p.setProperty("gov.nist.javax.sip.SERVER_LOGGER", SilentServerLogger.class.getName());
    p.setProperty("gov.nist.javax.sip.TRACE_LEVEL", "0");
    p.setProperty("javax.sip.ROUTER_PATH", MessageSizeRouter.class.getName());
    // No audit thread that drops UDP requests queued longer than 8 s: one thread less per stack,
    // and the one stop() cannot end when it fails (see stopStack).
    p.setProperty("gov.nist.javax.sip.CONGESTION_CONTROL_TIMEOUT", "0");
    p.setProperty("gov.nist.javax.sip.MAX_MESSAGE_SIZE", "65536");
    p.setProperty("gov.nist.javax.sip.CACHE_CLIENT_CONNECTIONS", "true");
    p.setProperty("gov.nist.javax.sip.THREAD_POOL_SIZE", "4");
    // With the thread audit on, the UDP pool's threads wait for datagrams with a timeout and end
    // within it once the stack stops; without it they wait for good (a leak on every stop).
    p.setProperty("gov.nist.javax.sip.THREAD_AUDIT_INTERVAL_IN_MILLISECS", "1000");
    p.setProperty("gov.nist.javax.sip.TIMER_CLASS_NAME", org.pqsip.sip.stack.QuietSipTimer.class.getName());
    p.setProperty("gov.nist.javax.sip.REENTRANT_LISTENER", "true");
    config.outboundProxy().ifPresent(o -> p.setProperty("javax.sip.OUTBOUND_PROXY", o));
    TlsKeyStores tlsStores = null;
    if (config.tls().isPresent()) {
      // TLS 1.2 and 1.3 only; phones and proxies are not asked for client certificates, but the
      // certificates of those we connect to are checked against the configured authorities.
      try {
        tlsStores = TlsKeyStores.write(config.tls().get(), random);
      } catch (IOException e) {
        throw new SipException("cannot use the TLS files: " + e.getMessage(), e);
      }
      tlsStores.configure(p);
      p.setProperty("gov.nist.javax.sip.TLS_CLIENT_PROTOCOLS", "TLSv1.3,TLSv1.2");
      // JAIN-SIP's default list is RSA key exchange and anonymous DH: forward-secret AEAD only.
      p.setProperty("gov.nist.javax.sip.ENABLED_CIPHER_SUITES", String.join(" ",
          "TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"));
      p.setProperty("gov.nist.javax.sip.TLS_CLIENT_AUTH_TYPE", "Disabled");
      p.setProperty("gov.nist.javax.sip.SSL_HANDSHAKE_TIMEOUT", "10000");
      p.setProperty("gov.nist.javax.sip.TLS_SECURITY_POLICY", TlsServerIdentity.class.getName());
    }
    try {
      stack = factory.createSipStack(p);
      addresses = factory.createAddressFactory();
      headers = factory.createHeaderFactory();
      messages = factory.createMessageFactory();
      String ip = config.sipAddress().getAddress().getHostAddress();
      int port = config.sipAddress().getPort();
      if (config.tls().isPresent()) {
        provider = stack.createSipProvider(stack.createListeningPoint(ip, port, ListeningPoint.TLS));
      } else {
        ListeningPoint tcp = stack.createListeningPoint(ip, port, ListeningPoint.TCP);
        ListeningPoint udp = stack.createListeningPoint(ip, port, ListeningPoint.UDP);
        provider = stack.createSipProvider(tcp);
        provider.addListeningPoint(udp);
      }
      provider.addSipListener(this);
      sip = new SipMessages(config, random, provider, addresses, headers, messages);
      registration = new Registration(config, provider, sip, events, timers);
      org.pqsip.media.MediaWarmUp.start(); // the first call's first packet no longer pays for SRTP's set-up
      stack.start();
    } catch (javax.sip.PeerUnavailableException | javax.sip.InvalidArgumentException
        | java.util.TooManyListenersException | javax.sip.ObjectInUseException e) {
      throw new SipException("cannot start SIP on " + config.sipAddress() + ": " + e.getMessage(), e);
    } finally {
      if (tlsStores != null) {
        tlsStores.close(); // loaded by the stack: no key store stays on disk
      }
    }
    timers.scheduleAtFixedRate(this::reportMedia, 1, 1, TimeUnit.SECONDS);
    prepareKeys();
  }

  private void prepareKeys() {
    if (config.keying().policy() == org.pqsip.keying.Policy.OFF) {
      return;
    }
    offMediaThread(() -> {
      org.pqsip.keying.PreparedKeys k = org.pqsip.keying.PreparedKeys.generate(config.keying().kem(), random);
      org.pqsip.keying.PreparedKeys old = nextKeys.getAndSet(k);
      if (old != null) {
        old.destroy();
      }
    });
  }

  /** Prepared keys for one offer (then a new pair is generated in the background). */
  private Optional<org.pqsip.keying.PreparedKeys> takeKeys() {
    Optional<org.pqsip.keying.PreparedKeys> k = Optional.ofNullable(nextKeys.getAndSet(null));
    prepareKeys();
    return k;
  }

  /**
   * Registers our contact for {@code expires} with the outbound proxy (the registrar), and keeps
   * the registration fresh at half its lifetime. Emits {@code registered} or {@code error}.
   */
  public void register(java.time.Duration expires) {
    registration.register(expires);
  }

  // ---------------------------------------------------------------- outgoing calls

  private CallCore.Settings callSettings() {
    return CallCore.Settings.of(config.codec(), config.revealTimeout(), config.autoAnswer());
  }

  /** The configuration new calls start with. */
  public PhoneConfig config() {
    return config;
  }

  /**
   * Takes new per-call settings (policy, SDES, auto-answer, codec, audio) for the calls that start
   * from now; calls in progress keep the security they were set up with. The caller guarantees
   * that nothing else changed (addresses, TLS, relays, user): those need a new user agent.
   */
  public void reconfigure(PhoneConfig next) {
    config = next;
    if (nextKeys.get() == null) {
      prepareKeys(); // e.g. from policy off, which prepares none
    }
  }

  /** Places a call; progress arrives as events. Returns the local call id. */
  public int call(String target) {
    return call(target, Optional.empty());
  }

  /**
   * Places a call from {@code fromUser} at our host when given (the trunk gateway passes the
   * caller's number on), else from our address-of-record.
   */
  public int call(String target, Optional<String> fromUser) {
    int id = callIds.incrementAndGet();
    SipCall call = null;
    try {
      URI requestUri = addresses.createURI(target);
      if (!(requestUri instanceof SipURI)) {
        throw new ParseException("not a sip: URI", 0);
      }
      if (config.tls().isPresent() && ((SipURI) requestUri).getTransportParam() == null) {
        ((SipURI) requestUri).setTransportParam("tls"); // the next hop is reached over TLS too
      }
      SdpNegotiator negotiator = new SdpNegotiator(config.keying(), store, aor(requestUri), random);
      call = new SipCall(CallCore.outgoing(id, callSettings(), negotiator, random.nextInt(1 << 30), System.nanoTime()));
      synchronized (call) {
        call.transport = newTransport(call, true);
        sendInvite(call, sip.invite((SipURI) requestUri, call.core.offer(call.transport.localRtp(), takeKeys()), fromUser));
      }
    } catch (ParseException | SipException | IOException | javax.sip.InvalidArgumentException | RuntimeException e) {
      if (call != null) {
        SipCall c = call;
        synchronized (c) {
          c.core.fail("cannot place the call: " + e.getMessage());
          execute(c, null);
        }
      } else {
        error(id, "cannot place the call: " + e.getMessage());
        ended(id, "error");
      }
    }
    return id;
  }

  /**
   * Answers a ringing incoming call (a phone without auto-answer, or the trunk gateway once the
   * far leg is up). Emits {@code error} when call {@code id} is not ringing.
   */
  public void answer(int id) {
    answer(id, Map.of());
  }

  /** As {@link #answer(int)}, with {@code headers} (name to value) on our 200 OK. */
  public void answer(int id, Map<String, String> headers) {
    SipCall call = find(id);
    if (call == null) {
      error(id, "no ringing call to answer");
      return;
    }
    synchronized (call) {
      Optional<LocalSdp.Remote> remote = call.core.pickUp(System.nanoTime());
      if (remote.isEmpty()) {
        error(id, "the call is not ringing");
        return;
      }
      call.answerHeaders = Map.copyOf(headers);
      try {
        call.transport = newTransport(call, false);
        call.core.answer(call.transport.localRtp(), System.nanoTime());
      } catch (IOException e) {
        call.core.mediaUnavailable(e.getMessage());
      }
      execute(call, call.serverInviteTx);
    }
  }

  /** Refuses ringing incoming call {@code id} with {@code code}; any other call is hung up. */
  public void decline(int id, int code) {
    SipCall call = find(id);
    if (call == null) {
      return;
    }
    synchronized (call) {
      call.core.decline(code);
      execute(call, call.serverInviteTx);
    }
  }

  /** What an incoming call asked for: its request URI and the caller's user part (may be empty). */
  public record Invite(String requestUri, String fromUser) {}

  /** The INVITE of incoming call {@code id} while it is not ended (the trunk gateway routes by it). */
  public Optional<Invite> invite(int id) {
    SipCall call = find(id);
    if (call == null || call.serverInviteTx == null) {
      return Optional.empty();
    }
    synchronized (call) {
      Request req = call.serverInviteTx.getRequest();
      URI from = ((FromHeader) req.getHeader(FromHeader.NAME)).getAddress().getURI();
      String user = from instanceof SipURI s && s.getUser() != null ? s.getUser() : "";
      return Optional.of(new Invite(req.getRequestURI().toString(), user));
    }
  }

  /** Ends a call (BYE, or CANCEL while it is still ringing). */
  public void hangup(int id) {
    SipCall call = find(id);
    if (call == null) {
      return;
    }
    synchronized (call) {
      call.core.hangup();
      execute(call, call.serverInviteTx);
    }
  }

  /** Sends a re-INVITE with a fresh, chained pqkem offer: same call, same SAS, audio keeps flowing. */
  public void rekey(int id) {
    SipCall call = find(id);
    if (call == null) {
      return;
    }
    synchronized (call) {
      call.core.rekey(call.transport.localRtp());
      execute(call, null);
    }
  }

  /**
   * The user compared the SAS of call {@code id} aloud and it matched: remember the peer device
   * as verified. Emits {@code verified}, or {@code error} when there is nothing to verify.
   */
  public void verifySas(int id) {
    SipCall call = find(id);
    if (call == null) {
      error(id, "no such call to verify");
      return;
    }
    synchronized (call) {
      call.core.verify();
      execute(call, null);
    }
  }

  // ---------------------------------------------------------------- the driver's one job

  /**
   * Carries out what the call's core decided, in order. {@code request} is the server
   * transaction a {@link CallAction.Respond} answers (the request being handled), or null for
   * the call's INVITE. Then arms a timer for the core's next deadline.
   */
  private void execute(SipCall call, ServerTransaction request) {
    for (CallAction a : call.core.drain()) {
      try {
        perform(call, request, a);
      } catch (SipException | ParseException | IOException | javax.sip.InvalidArgumentException | RuntimeException e) {
        if (a instanceof CallAction.StartMedia) {
          call.core.fail("cannot start media: " + e.getMessage());
          execute(call, request);
          return;
        }
        if (!(a instanceof CallAction.Bye || a instanceof CallAction.Cancel || a instanceof CallAction.Respond)) {
          error(call.id(), "could not carry out " + a.getClass().getSimpleName() + ": " + e.getMessage());
        }
        // a BYE, CANCEL or response the peer cannot take any more: it is gone, the call ends anyway
      }
    }
    call.core.nextDeadline().ifPresent(d -> {
      try {
        timers.schedule(() -> {
          synchronized (call) {
            call.core.onTimer(System.nanoTime());
            execute(call, null);
          }
        }, Math.max(0, d - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // shutting down
      }
    });
  }

  private void perform(SipCall call, ServerTransaction request, CallAction a)
      throws SipException, ParseException, IOException, javax.sip.InvalidArgumentException {
    if (a instanceof CallAction.Respond r) {
      respondFor(call, request != null ? request : call.serverInviteTx, r);
    } else if (a instanceof CallAction.RetryInvite r) {
      retryInvite(call, r.sdp());
    } else if (a instanceof CallAction.SendReoffer r) {
      sendReoffer(call, r.sdp());
    } else if (a instanceof CallAction.Bye) {
      sendInDialog(call.dialog, Request.BYE);
    } else if (a instanceof CallAction.Cancel) {
      provider.getNewClientTransaction(call.inviteTx.createCancel()).sendRequest();
    } else if (a instanceof CallAction.StartMedia m) {
      startMedia(call, m);
    } else if (a instanceof CallAction.ChangeKeys k) {
      changeKeys(call, k);
    } else if (a instanceof CallAction.RestartIce) {
      restartIce(call, request);
    } else if (a instanceof CallAction.AbandonPendingKeys) {
      call.media.abandonRekey();
    } else if (a instanceof CallAction.Emit e) {
      events.event(e.type(), e.fields());
    } else if (a instanceof CallAction.Release r) {
      release(call, r.reason());
    } else if (a instanceof CallAction.EndFork) {
      Dialog fork = call.forkDialog;
      call.forkDialog = null;
      sendInDialog(fork, Request.BYE);
    }
  }

  private void respondFor(SipCall call, ServerTransaction st, CallAction.Respond r)
      throws SipException, ParseException, javax.sip.InvalidArgumentException {
    if (st == null) {
      return;
    }
    Response resp = sip.response(r.code(), st.getRequest(), r.warning(), r.sdp(),
        st == call.serverInviteTx ? call.answerHeaders : Map.of());
    st.sendResponse(resp);
    if (r.code() >= 200 && r.code() < 300 && call.dialog == null) {
      call.dialog = st.getDialog();
    }
    if (call.dialog != null && !call.ended()) {
      byDialog.put(call.dialog, call);
    }
  }

  /** The call's INVITE once more (CSeq + 1, a new branch), with another offer. */
  private void retryInvite(SipCall call, String sdp) throws SipException, ParseException, javax.sip.InvalidArgumentException {
    Request again = (Request) call.inviteTx.getRequest().clone();
    CSeqHeader cseq = (CSeqHeader) again.getHeader(CSeqHeader.NAME);
    cseq.setSeqNumber(cseq.getSeqNumber() + 1);
    ((ViaHeader) again.getHeader(ViaHeader.NAME)).removeParameter("branch");
    sip.setSdp(again, sdp);
    if (call.dialog != null) {
      byDialog.remove(call.dialog); // the refused attempt's early dialog is over
    }
    sendInvite(call, again);
  }

  /** Sends a dialog-creating INVITE on a new transaction and indexes the call by both. */
  private void sendInvite(SipCall call, Request invite) throws SipException {
    ClientTransaction tx = provider.getNewClientTransaction(invite);
    call.inviteTx = tx;
    call.dialog = tx.getDialog();
    byClientTx.put(tx, call);
    if (call.dialog != null) {
      byDialog.put(call.dialog, call);
    }
    tx.sendRequest();
  }

  private void sendReoffer(SipCall call, String sdp) throws SipException, ParseException, javax.sip.InvalidArgumentException {
    Request reinvite = call.dialog.createRequest(Request.INVITE);
    SipMessages.askForRport(reinvite);
    reinvite.addHeader(sip.contact(((ViaHeader) reinvite.getHeader(ViaHeader.NAME)).getTransport()));
    sip.setSdp(reinvite, sdp);
    ClientTransaction tx = provider.getNewClientTransaction(reinvite);
    byClientTx.put(tx, call);
    call.dialog.sendRequest(tx);
  }

  private void sendInDialog(Dialog dialog, String method) throws SipException {
    if (dialog != null) {
      Request r = dialog.createRequest(method);
      try {
        SipMessages.askForRport(r);
      } catch (javax.sip.InvalidArgumentException e) {
        throw new SipException(e.getMessage(), e);
      }
      dialog.sendRequest(provider.getNewClientTransaction(r));
    }
  }

  // ---------------------------------------------------------------- JAIN-SIP callbacks

  @Override
  public void processRequest(RequestEvent ev) {
    try {
      Request req = ev.getRequest();
      switch (req.getMethod()) {
        case Request.INVITE -> onInvite(ev);
        case Request.ACK -> onAck(ev);
        case Request.BYE -> onBye(ev);
        case Request.CANCEL -> onCancel(ev);
        case Request.OPTIONS -> respond(serverTx(ev), Response.OK);
        default -> respond(serverTx(ev), Response.NOT_IMPLEMENTED);
      }
    } catch (RuntimeException | SipException | ParseException | javax.sip.InvalidArgumentException e) {
      // Never let an exception reach JAIN-SIP; the message is dropped and the peer retries.
      error(0, "could not handle a SIP request (" + e.getClass().getSimpleName() + ")");
    }
  }

  private ServerTransaction serverTx(RequestEvent ev) throws SipException {
    ServerTransaction st = ev.getServerTransaction();
    return st != null ? st : provider.getNewServerTransaction(ev.getRequest());
  }

  private void respond(ServerTransaction st, int code) throws SipException, ParseException, javax.sip.InvalidArgumentException {
    st.sendResponse(messages.createResponse(code, st.getRequest()));
  }

  private void onInvite(RequestEvent ev) throws SipException {
    ServerTransaction st = serverTx(ev);
    Dialog dialog = st.getDialog();
    SipCall existing = dialog == null ? null : byDialog.get(dialog);
    if (existing != null) {
      synchronized (existing) {
        existing.core.onReInvite(bodyText(ev.getRequest()), existing.transport.localRtp(), System.nanoTime());
        execute(existing, st);
      }
      return;
    }
    Request req = ev.getRequest();
    String peer = aor(((FromHeader) req.getHeader(FromHeader.NAME)).getAddress().getURI());
    SdpNegotiator negotiator = new SdpNegotiator(config.keying(), store, peer, random);
    SipCall call = new SipCall(
        CallCore.incoming(callIds.incrementAndGet(), callSettings(), negotiator, random.nextInt(1 << 30), System.nanoTime()));
    synchronized (call) {
      call.dialog = dialog;
      call.serverInviteTx = st;
      byServerTxBranch.put(st.getBranchId(), call);
      if (dialog != null) {
        byDialog.put(dialog, call);
      }
      Optional<LocalSdp.Remote> remote = call.core.onInvite(bodyText(req), System.nanoTime());
      if (remote.isPresent()) {
        // Media sockets are opened only for an offer that was read and is playable.
        try {
          call.transport = newTransport(call, false);
          call.core.answer(call.transport.localRtp(), System.nanoTime());
        } catch (IOException e) {
          call.core.mediaUnavailable(e.getMessage());
        }
      }
      execute(call, st);
    }
  }

  private void onAck(RequestEvent ev) {
    SipCall call = ev.getDialog() == null ? null : byDialog.get(ev.getDialog());
    if (call != null) {
      synchronized (call) {
        call.core.onAck(bodyText(ev.getRequest()), System.nanoTime());
        execute(call, null);
      }
    }
  }

  private void onBye(RequestEvent ev) throws SipException, ParseException, javax.sip.InvalidArgumentException {
    respond(serverTx(ev), Response.OK);
    SipCall call = ev.getDialog() == null ? null : byDialog.get(ev.getDialog());
    if (call != null) {
      synchronized (call) {
        call.core.onBye();
        execute(call, null);
      }
    }
  }

  private void onCancel(RequestEvent ev) throws SipException, ParseException, javax.sip.InvalidArgumentException {
    respond(serverTx(ev), Response.OK);
    ViaHeader via = (ViaHeader) ev.getRequest().getHeader(ViaHeader.NAME);
    SipCall call = via == null ? null : byServerTxBranch.get(via.getBranch());
    if (call == null && ev.getDialog() != null) {
      call = byDialog.get(ev.getDialog());
    }
    if (call != null) {
      synchronized (call) {
        call.core.onCancel();
        execute(call, call.serverInviteTx);
      }
    }
  }

  @Override
  public void processResponse(ResponseEvent ev) {
    try {
      Response resp = ev.getResponse();
      CSeqHeader cseq = (CSeqHeader) resp.getHeader(CSeqHeader.NAME);
      if (Request.REGISTER.equals(cseq.getMethod())) {
        registration.onResponse(ev);
        return;
      }
      if (!Request.INVITE.equals(cseq.getMethod())) {
        return;
      }
      SipCall call = ev.getClientTransaction() == null ? null : byClientTx.get(ev.getClientTransaction());
      if (call == null && ev.getDialog() != null) {
        call = byDialog.get(ev.getDialog());
      }
      if (call == null) {
        return;
      }
      synchronized (call) {
        onInviteResponse(call, ev, resp, cseq);
        execute(call, null);
      }
    } catch (RuntimeException | SipException | javax.sip.InvalidArgumentException e) {
      // Never let an exception reach JAIN-SIP.
      error(0, "could not handle a SIP response (" + e.getClass().getSimpleName() + ")");
    }
  }

  private void onInviteResponse(SipCall call, ResponseEvent ev, Response resp, CSeqHeader cseq)
      throws SipException, javax.sip.InvalidArgumentException {
    int code = resp.getStatusCode();
    if (code < 200) {
      return;
    }
    if (code >= 300) {
      javax.sip.header.WarningHeader w = (javax.sip.header.WarningHeader) resp.getHeader(javax.sip.header.WarningHeader.NAME);
      call.core.onRefused(code, resp.getReasonPhrase(), w == null ? "" : w.getText());
      return;
    }
    Dialog dialog = ev.getDialog();
    dialog.sendAck(dialog.createAck(cseq.getSeqNumber()));
    if (call.ended()) {
      return;
    }
    boolean established = call.core.state() == CallCore.State.ESTABLISHED;
    if (established && call.dialog != null && dialog != call.dialog) {
      // Another fork answered: its answer was made for the offer whose nonce we reveal to one
      // party only. The core decides; its EndFork ends this dialog.
      call.forkDialog = dialog;
      call.core.onForkAnswer();
      return;
    }
    call.dialog = dialog;
    byDialog.put(dialog, call);
    if (established && call.inviteTx == ev.getClientTransaction()) {
      return; // 200 retransmission of the first INVITE
    }
    if (established) {
      call.core.onReofferAnswer(bodyText(resp), System.nanoTime());
    } else {
      call.core.onAnswer(bodyText(resp), System.nanoTime());
    }
  }

  @Override
  public void processTimeout(TimeoutEvent ev) {
    try {
      if (registration.onTimeout(ev.getClientTransaction())) {
        return;
      }
      SipCall call = ev.getClientTransaction() == null ? null : byClientTx.get(ev.getClientTransaction());
      if (call != null) {
        synchronized (call) {
          call.core.onTimeout();
          execute(call, null);
        }
      }
    } catch (RuntimeException e) {
      error(0, "could not handle a SIP timeout (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** A request of ours was not sent: the TLS server's certificate names another host. */
  @Override
  public void tlsIdentityRefused(gov.nist.javax.sip.ClientTransactionExt tx, String why) {
    SipCall call = byClientTx.get(tx);
    if (call == null) {
      error(0, "request not sent: " + why);
      return;
    }
    offMediaThread(() -> { // not on the stack's sending thread, which holds its own locks
      synchronized (call) {
        if (call.core.state() == CallCore.State.CALLING) {
          call.core.fail("cannot place the call: " + why);
        } else {
          error(call.id(), "request not sent: " + why);
        }
        execute(call, null);
      }
    });
  }

  @Override
  public void processIOException(IOExceptionEvent ev) {
    // Connection failures surface as transaction timeouts for the calls they affect.
  }

  @Override
  public void processTransactionTerminated(TransactionTerminatedEvent ev) {
    if (ev.getClientTransaction() != null) {
      SipCall call = byClientTx.get(ev.getClientTransaction());
      if (call == null || call.ended() || call.inviteTx != ev.getClientTransaction()) {
        byClientTx.remove(ev.getClientTransaction());
      }
    }
  }

  @Override
  public void processDialogTerminated(DialogTerminatedEvent ev) {
    SipCall call = byDialog.remove(ev.getDialog());
    if (call != null) {
      synchronized (call) {
        call.core.onDialogEnded();
        execute(call, null);
      }
    }
  }

  // ---------------------------------------------------------------- media

  private void startMedia(SipCall call, CallAction.StartMedia m) throws IOException {
    if (call.transport instanceof IceTransport ice && m.remote().ice().isPresent()) {
      ice.start(m.remote().ice().get());
    } else {
      call.transport.setRemote(m.remote().rtp(), m.remote().rtcp());
    }
    SrtpStream srtp = m.keys().map(k -> new SrtpStream(k.tx(), k.rx())).orElse(null);
    try {
      call.media = mediaFactory.create(call.id(), call.transport, m.remote().codec(), srtp, m.reveal().orElse(null),
          bytes -> offMediaThread(() -> onReveal(call, bytes)));
    } catch (IOException | RuntimeException e) {
      if (srtp != null) {
        srtp.close(); // wipes its session keys; the media that would have owned it never came
      }
      throw e;
    }
    CallMedia media = call.media;
    media.onFirstPacket(() -> events.event("media", mediaFields(call, media)));
    call.media.start();
  }

  /** A phone's media: the configured audio out, what is heard recorded if asked. */
  private CallMedia phoneMedia(int id, MediaTransport transport, org.pqsip.media.AudioCodec codec, SrtpStream srtp,
      byte[] reveal, java.util.function.Consumer<byte[]> reveals) throws IOException {
    PhoneConfig c = config;
    Wav.Writer recorder = c.record().isPresent() ? new Wav.Writer(c.record().get()) : null;
    return new MediaSession(transport, codec, c.audio().get(), srtp, reveal, reveals, recorder, random);
  }

  /**
   * The call's media transport: with a relay configured, ICE (candidates gathered now, our ICE
   * in every SDP of the call; the path chosen later reaches the call through its core); without,
   * a plain RTP/RTCP socket pair from our range.
   */
  private MediaTransport newTransport(SipCall call, boolean controlling) throws IOException {
    if (!config.ice().enabled()) {
      return mediaPorts.bind();
    }
    IceTransport.PathEvents path = new IceTransport.PathEvents() {
      @Override
      public void selected(PathKind kind, long afterMillis) {
        offMediaThread(() -> {
          synchronized (call) {
            call.core.pathSelected(kind, afterMillis, System.nanoTime());
            execute(call, null);
          }
        });
      }

      @Override
      public void switched(PathKind from, PathKind to, long gapMillis) {
        offMediaThread(() -> {
          synchronized (call) {
            call.core.pathSwitched(from, to, gapMillis);
            execute(call, null);
          }
        });
      }

      @Override
      public void restartNeeded() {
        offMediaThread(() -> {
          synchronized (call) {
            call.core.pathsLost(System.nanoTime());
            execute(call, null);
          }
        });
      }
    };
    NatClass nat = natClass == null ? NatClass.UNKNOWN : natClass;
    IceTransport t = mediaPorts.bind((address, port) -> IceTransport.gather(config.ice(), new InetSocketAddress(address, port),
        controlling, nat, relayAnswered, timers, path));
    call.core.useIce(t.local());
    return t;
  }

  /** ICE anew on the call's transport; the core then re-offers or answers with our new ICE. */
  private void restartIce(SipCall call, ServerTransaction request) throws IOException {
    if (!(call.transport instanceof IceTransport ice)) {
      throw new IOException("the call's media has no ICE to restart");
    }
    org.pqsip.ice.IceDescription ours = ice.restart();
    call.core.iceRestarted(ours, call.transport.localRtp(), System.nanoTime());
    execute(call, request);
  }

  private void changeKeys(SipCall call, CallAction.ChangeKeys k) {
    if (call.transport instanceof IceTransport ice && k.remote().ice().isPresent()) {
      ice.start(k.remote().ice().get()); // after an ICE restart: checks with the peer's new ICE
    }
    call.transport.setRemote(k.remote().rtp(), k.remote().rtcp());
    SrtpStream next = k.keys().map(x -> new SrtpStream(x.tx(), x.rx())).orElse(null);
    call.media.rekey(next, k.reveal().orElse(null), k.deferred());
  }

  /**
   * Media threads never take a call's lock: hangup holds it while it stops those threads, so
   * work that needs the lock moves to the timer thread.
   */
  private void offMediaThread(Runnable r) {
    try {
      timers.execute(r);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // shutting down
    }
  }

  private void onReveal(SipCall call, byte[] reveal) {
    synchronized (call) {
      call.core.onReveal(reveal, System.nanoTime());
      execute(call, null);
    }
  }

  private void reportMedia() {
    for (SipCall call : List.copyOf(byDialog.values())) {
      synchronized (call) {
        if (call.core.establishedNanos().isPresent() && !call.ended() && call.media != null) {
          events.event("media", mediaFields(call, call.media));
          var st = call.media.stats();
          call.core.onMediaProgress(st.packetsReceived(), st.sendFailures(), System.nanoTime());
          execute(call, null);
        }
      }
    }
  }

  private Map<String, Object> mediaFields(SipCall call, CallMedia media) {
    Map<String, Object> f = fields(call.id());
    var st = media.stats();
    f.put("packetsSent", st.packetsSent());
    f.put("packetsReceived", st.packetsReceived());
    f.put("packetsLost", st.packetsLost());
    f.put("authFailures", st.authFailures());
    f.put("rtcpAuthFailures", st.rtcpAuthFailures());
    f.put("replays", st.replays());
    f.put("sendFailures", st.sendFailures());
    media.firstPacketNanos().ifPresent(t -> f.put("firstPacketMs", Math.round((t - call.core.startNanos()) / 1e4) / 100.0));
    if (call.transport instanceof IceTransport ice) { // checks started → first packet received
      media.firstPacketNanos().ifPresent(t -> ice.checksStarted()
          .ifPresent(c -> f.put("mediaMs", Math.round((t - c) / 1e4) / 100.0)));
    }
    return f;
  }

  // ---------------------------------------------------------------- endings

  /** Stops media, forgets the call, reports the last media figures and {@code ended}. */
  private void release(SipCall call, String reason) {
    Map<String, Object> last =
        call.core.establishedNanos().isPresent() && call.media != null ? mediaFields(call, call.media) : null;
    if (call.media != null) {
      call.media.close();
    } else if (call.transport != null) {
      call.transport.close();
    }
    if (call.dialog != null) {
      byDialog.remove(call.dialog);
    }
    byClientTx.values().removeIf(c -> c == call);
    byServerTxBranch.values().removeIf(c -> c == call);
    if (last != null) {
      events.event("media", last);
    }
    Map<String, Object> f = fields(call.id());
    f.put("reason", reason);
    call.core.refusalCode().ifPresent(code -> f.put("code", code));
    events.event("ended", f);
  }

  private void error(int id, String message) {
    Map<String, Object> f = fields(id);
    f.put("message", message);
    events.event("error", f);
  }

  private void ended(int id, String reason) {
    Map<String, Object> f = fields(id);
    f.put("reason", reason);
    events.event("ended", f);
  }

  private static Map<String, Object> fields(int id) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("call", id);
    return f;
  }

  private SipCall find(int id) {
    for (SipCall c : byDialog.values()) {
      if (c.id() == id) {
        return c;
      }
    }
    for (SipCall c : byClientTx.values()) {
      if (c.id() == id) {
        return c;
      }
    }
    return null;
  }

  /** Whether the configured UDP relay answered our NAT probe at start (false without one). */
  public boolean relayAnswered() {
    return relayAnswered;
  }

  /** The highest call number handed out so far (0 before the first call). */
  public int newestCall() {
    return callIds.get();
  }

  /** Number of calls not yet ended (for leak checks). */
  public int activeCalls() {
    java.util.Set<SipCall> all = new java.util.HashSet<>(byDialog.values());
    all.addAll(byClientTx.values());
    all.addAll(byServerTxBranch.values());
    all.removeIf(SipCall::ended);
    return all.size();
  }

  private static String bodyText(javax.sip.message.Message m) {
    byte[] raw = m.getRawContent();
    return raw == null ? "" : new String(raw, StandardCharsets.UTF_8);
  }

  static String aor(URI uri) {
    if (uri instanceof SipURI s) {
      return "sip:" + (s.getUser() == null ? "" : s.getUser() + "@") + s.getHost();
    }
    return uri.toString();
  }

  /**
   * JAIN-SIP 1.3.0-91 throws a NullPointerException out of stop() when a UDP listening point is
   * stopped before its thread has made its channel list (a phone closed right after it started,
   * as in a quick restart of the OSGi component), and the stack's timer and event threads then
   * run on (PhoneServiceTest saw it one run in three). The failed listener is out of the stack's
   * list by then, with its socket closed, so stopping again finishes the rest (and {@link #close}
   * stops the timer and event threads itself if that fails too).
   */
  private void stopStack() {
    try {
      stack.stop();
    } catch (NullPointerException e) {
      stack.stop();
    }
  }

  /** Hangs up every call, stops the stack and the timer thread; never throws. */
  @Override
  public void close() {
    java.util.Set<SipCall> all = new java.util.HashSet<>(byDialog.values());
    all.addAll(byClientTx.values());
    for (SipCall c : all) {
      try {
        hangup(c.id());
      } catch (RuntimeException e) {
        // keep closing
      }
    }
    timers.shutdownNow();
    org.pqsip.keying.PreparedKeys unused = nextKeys.getAndSet(null);
    if (unused != null) {
      unused.destroy();
    }
    if (stack != null) {
      gov.nist.javax.sip.SipStackImpl impl = stack instanceof gov.nist.javax.sip.SipStackImpl i ? i : null;
      gov.nist.javax.sip.EventScanner scanner = impl == null ? null : impl.getEventScanner();
      gov.nist.javax.sip.stack.timers.SipTimer timer = null;
      try {
        timer = impl == null ? null : impl.getTimer();
      } catch (IllegalStateException e) {
        // no timer was started: nothing to stop
      }
      try {
        stopStack();
      } catch (RuntimeException e) {
        // JAIN-SIP failed half-way through its stop: what it left running is stopped below
      }
      // JAIN-SIP 1.3.0-91's stop() leaves its timer running when it fails half-way, and its event
      // scanner blocked on its empty queue for good even when it does not (one thread leaked per
      // stack: found by the OSGi component's restarts). Both are stopped here whatever happened;
      // one event for no one wakes the scanner, which then sees the stop and ends.
      if (timer != null) {
        try {
          timer.stop();
        } catch (RuntimeException e) {
          // stopped already
        }
      }
      if (scanner != null) {
        scanner.forceStop();
        if (provider != null) {
          scanner.addEvent(new gov.nist.javax.sip.EventWrapper(new java.util.EventObject(provider), null));
        }
      }
    }
  }
}
