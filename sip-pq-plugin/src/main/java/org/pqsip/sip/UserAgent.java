package org.pqsip.sip;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.text.ParseException;
import java.util.ArrayList;
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
import javax.sip.address.Address;
import javax.sip.address.AddressFactory;
import javax.sip.address.SipURI;
import javax.sip.address.URI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.ContentTypeHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.HeaderFactory;
import javax.sip.header.MaxForwardsHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.pqsip.keying.KeyingException;
import org.pqsip.keying.PeerStore;
import org.pqsip.keying.PqCall;
import org.pqsip.keying.Role;
import org.pqsip.keying.Verification;
import org.pqsip.media.MediaSession;
import org.pqsip.media.UdpMediaTransport;
import org.pqsip.media.Wav;
import org.pqsip.negotiation.CallSecurity;
import org.pqsip.negotiation.MediaKeys;
import org.pqsip.negotiation.SdpNegotiator;
import org.pqsip.sdp.SdpException;
import org.pqsip.sdp.SessionDescription;
import org.pqsip.srtp.SrtpStream;

/**
 * A headless SIP user agent on JAIN-SIP with pqkem keying and SRTP media: the driver around the
 * sans-IO keying core. It owns the SIP stack, one media session per call and a timer thread.
 *
 * <p>Every JAIN-SIP callback catches everything: no exception escapes into the SIP stack. Bad
 * SDP and refused keying end the call with a response (488 with a {@code Warning} that names
 * the {@code pqkem-…} code) or a BYE, and an {@code error} event a person can act on.
 */
public final class UserAgent implements SipListener, AutoCloseable {
  private static final AtomicInteger STACKS = new AtomicInteger();

  private final PhoneConfig config;
  private final PeerStore store;
  private final PhoneEvents events;
  private final SecureRandom random;
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

  public UserAgent(PhoneConfig config, PeerStore store, PhoneEvents events, SecureRandom random) {
    this.config = config;
    this.store = store;
    this.events = events;
    this.random = random;
    this.timers =
        Executors.newSingleThreadScheduledExecutor(org.pqsip.media.DaemonThreads.named("pqsip-ua-timer"));
  }

  /** Creates the SIP stack and listens on UDP and TCP at the configured address. */
  public void start() throws SipException {
    SipFactory factory = SipFactory.getInstance();
    factory.setPathName("gov.nist");
    Properties p = new Properties();
    p.setProperty("javax.sip.STACK_NAME", "pqsip-" + STACKS.incrementAndGet());
    p.setProperty("gov.nist.javax.sip.STACK_LOGGER", SilentStackLogger.class.getName());
    p.setProperty("gov.nist.javax.sip.SERVER_LOGGER", SilentServerLogger.class.getName());
    p.setProperty("gov.nist.javax.sip.TRACE_LEVEL", "0");
    p.setProperty("javax.sip.ROUTER_PATH", MessageSizeRouter.class.getName());
    p.setProperty("gov.nist.javax.sip.MAX_MESSAGE_SIZE", "65536");
    p.setProperty("gov.nist.javax.sip.CACHE_CLIENT_CONNECTIONS", "true");
    p.setProperty("gov.nist.javax.sip.THREAD_POOL_SIZE", "4");
    p.setProperty("gov.nist.javax.sip.REENTRANT_LISTENER", "true");
    config.outboundProxy().ifPresent(o -> p.setProperty("javax.sip.OUTBOUND_PROXY", o));
    try {
      stack = factory.createSipStack(p);
      addresses = factory.createAddressFactory();
      headers = factory.createHeaderFactory();
      messages = factory.createMessageFactory();
      String ip = config.sipAddress().getAddress().getHostAddress();
      int port = config.sipAddress().getPort();
      ListeningPoint tcp = stack.createListeningPoint(ip, port, ListeningPoint.TCP);
      ListeningPoint udp = stack.createListeningPoint(ip, port, ListeningPoint.UDP);
      provider = stack.createSipProvider(tcp);
      provider.addListeningPoint(udp);
      provider.addSipListener(this);
      stack.start();
    } catch (javax.sip.PeerUnavailableException | javax.sip.InvalidArgumentException
        | java.util.TooManyListenersException | javax.sip.ObjectInUseException e) {
      throw new SipException("cannot start SIP on " + config.sipAddress() + ": " + e.getMessage(), e);
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

  // ---------------------------------------------------------------- registration

  private final Map<ClientTransaction, Integer> registrations = new ConcurrentHashMap<>();
  private volatile long registerCseq = 1;
  private volatile String registerCallId;

  /**
   * Registers our contact for {@code expires} with the outbound proxy (the registrar), and keeps
   * the registration fresh at half its lifetime. Emits {@code registered} or {@code error}.
   */
  public void register(java.time.Duration expires) {
    if (config.outboundProxy().isEmpty()) {
      error(0, "registering needs a registrar: give an outbound proxy (--proxy host:port/tcp)");
      return;
    }
    try {
      SipURI aor = (SipURI) addresses.createURI(config.user());
      SipURI registrar = addresses.createSipURI(null, aor.getHost());
      Address self = addresses.createAddress(config.user());
      String transport = transportFor(registrar);
      ViaHeader via = headers.createViaHeader(
          config.sipAddress().getAddress().getHostAddress(), config.sipAddress().getPort(), transport, null);
      if (registerCallId == null) {
        registerCallId = provider.getNewCallId().getCallId();
      }
      Request reg = messages.createRequest(
          registrar, Request.REGISTER, headers.createCallIdHeader(registerCallId),
          headers.createCSeqHeader(registerCseq++, Request.REGISTER),
          headers.createFromHeader(self, Long.toHexString(random.nextLong())), headers.createToHeader(self, null),
          new ArrayList<>(List.of(via)), headers.createMaxForwardsHeader(70));
      reg.addHeader(contact(transport));
      reg.addHeader(headers.createExpiresHeader((int) expires.toSeconds()));
      ClientTransaction tx = provider.getNewClientTransaction(reg);
      registrations.put(tx, (int) expires.toSeconds());
      tx.sendRequest();
    } catch (ParseException | SipException | javax.sip.InvalidArgumentException | RuntimeException e) {
      error(0, "cannot register: " + e.getMessage());
    }
  }

  private void onRegisterResponse(ResponseEvent ev) {
    Integer expires = registrations.remove(ev.getClientTransaction());
    if (expires == null) {
      return;
    }
    Response r = ev.getResponse();
    if (r.getStatusCode() < 200) {
      registrations.put(ev.getClientTransaction(), expires);
      return;
    }
    if (r.getStatusCode() >= 300) {
      error(0, "registration refused: " + r.getStatusCode() + " " + r.getReasonPhrase());
      return;
    }
    javax.sip.header.ExpiresHeader granted = (javax.sip.header.ExpiresHeader) r.getHeader(javax.sip.header.ExpiresHeader.NAME);
    ContactHeader c = (ContactHeader) r.getHeader(ContactHeader.NAME);
    int seconds = c != null && c.getExpires() > 0 ? c.getExpires() : granted != null ? granted.getExpires() : expires;
    if (expires == 0) {
      return; // unregistered
    }
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("expires", seconds);
    events.event("registered", f);
    timers.schedule(() -> register(java.time.Duration.ofSeconds(expires)), Math.max(5, seconds / 2), TimeUnit.SECONDS);
  }

  // ---------------------------------------------------------------- outgoing calls

  /** Places a call; progress arrives as events. Returns the local call id. */
  public int call(String target) {
    int id = callIds.incrementAndGet();
    SipCall call = null;
    try {
      URI requestUri = addresses.createURI(target);
      if (!(requestUri instanceof SipURI)) {
        throw new ParseException("not a sip: URI", 0);
      }
      SdpNegotiator negotiator = new SdpNegotiator(config.keying(), store, aor(requestUri), random);
      call = new SipCall(id, Role.OFFERER, System.nanoTime(), negotiator, aor(requestUri), random.nextInt(1 << 30));
      call.transport = UdpMediaTransport.bind(config.mediaAddress(), config.mediaPortMin(), config.mediaPortMax());
      SessionDescription offer =
          negotiator.createOffer(
              LocalSdp.audio(call.transport.localRtp(), config.codec(), call.sessionId, call.sdpVersion), takeKeys());
      Request invite = newInvite((SipURI) requestUri, offer);
      ClientTransaction tx = provider.getNewClientTransaction(invite);
      call.inviteTx = tx;
      call.dialog = tx.getDialog();
      byClientTx.put(tx, call);
      if (call.dialog != null) {
        byDialog.put(call.dialog, call);
      }
      tx.sendRequest();
    } catch (ParseException | SipException | IOException | javax.sip.InvalidArgumentException | RuntimeException e) {
      error(id, "cannot place the call: " + e.getMessage());
      if (call != null) {
        synchronized (call) {
          terminate(call, "error");
        }
      } else {
        ended(id, "error");
      }
    }
    return id;
  }

  private Request newInvite(SipURI target, SessionDescription offer)
      throws ParseException, javax.sip.InvalidArgumentException, SipException {
    Address from = addresses.createAddress(config.user());
    Address to = addresses.createAddress(target.clone().toString());
    ((SipURI) to.getURI()).removeParameter("transport");
    FromHeader fromH = headers.createFromHeader(from, Long.toHexString(random.nextLong()));
    ToHeader toH = headers.createToHeader(to, null);
    CallIdHeader callId = provider.getNewCallId();
    CSeqHeader cseq = headers.createCSeqHeader(1L, Request.INVITE);
    MaxForwardsHeader mf = headers.createMaxForwardsHeader(70);
    String transport = transportFor(target);
    ViaHeader via =
        headers.createViaHeader(
            config.sipAddress().getAddress().getHostAddress(), config.sipAddress().getPort(), transport, null);
    List<ViaHeader> vias = new ArrayList<>(List.of(via));
    Request invite = messages.createRequest(target, Request.INVITE, callId, cseq, fromH, toH, vias, mf);
    invite.addHeader(contact(transport));
    setSdp(invite, offer);
    return invite;
  }

  /**
   * The transport of the first hop: the URI's transport parameter or the outbound proxy's if
   * given, else UDP; the router then moves large requests to TCP (RFC 3261 §18.1.1). The Via
   * and Contact must name the transport the request really leaves on, so a pqkem INVITE (always
   * larger than 1300 bytes) gets TCP here too.
   */
  private String transportFor(SipURI target) {
    String t = target.getTransportParam();
    if (t == null && config.outboundProxy().isPresent()) {
      String o = config.outboundProxy().get();
      t = o.contains("/") ? o.substring(o.indexOf('/') + 1) : null;
    }
    if (t == null) {
      t = config.keying().policy() == org.pqsip.keying.Policy.OFF && !config.keying().sdes() ? "udp" : "tcp";
    }
    return t.toLowerCase(java.util.Locale.ROOT);
  }

  private ContactHeader contact(String transport) throws ParseException {
    SipURI uri =
        addresses.createSipURI(
            userPart(config.user()), config.sipAddress().getAddress().getHostAddress());
    uri.setPort(config.sipAddress().getPort());
    uri.setTransportParam(transport);
    return headers.createContactHeader(addresses.createAddress(uri));
  }

  private void setSdp(javax.sip.message.Message m, SessionDescription sdp) throws ParseException {
    ContentTypeHeader ct = headers.createContentTypeHeader("application", "sdp");
    m.setContent(sdp.format().getBytes(StandardCharsets.UTF_8), ct);
  }

  /** Ends a call (BYE, or CANCEL while it is still ringing). */
  public void hangup(int id) {
    SipCall call = find(id);
    if (call == null) {
      return;
    }
    synchronized (call) {
      try {
        if (call.state == SipCall.State.ESTABLISHED && call.dialog != null) {
          Request bye = call.dialog.createRequest(Request.BYE);
          ClientTransaction tx = provider.getNewClientTransaction(bye);
          call.dialog.sendRequest(tx);
        } else if (call.state == SipCall.State.CALLING && call.inviteTx != null) {
          Request cancel = call.inviteTx.createCancel();
          provider.getNewClientTransaction(cancel).sendRequest();
        }
      } catch (SipException | RuntimeException e) {
        // the peer is gone or the dialog already ended: tear down locally anyway
      }
      terminate(call, "local-hangup");
    }
  }

  /** Sends a re-INVITE with a fresh pqkem offer: new keys, same call, audio keeps flowing. */
  public void rekey(int id) {
    SipCall call = find(id);
    if (call == null) {
      return;
    }
    synchronized (call) {
      try {
        if (call.state != SipCall.State.ESTABLISHED || call.role != Role.OFFERER) {
          error(id, "only the caller of an established call can rekey");
          return;
        }
        Request reinvite = call.dialog.createRequest(Request.INVITE);
        SessionDescription offer =
            call.negotiator.createOffer(LocalSdp.audio(call.transport.localRtp(), config.codec(), call.sessionId, ++call.sdpVersion));
        reinvite.addHeader(contact(((ViaHeader) reinvite.getHeader(ViaHeader.NAME)).getTransport()));
        setSdp(reinvite, offer);
        ClientTransaction tx = provider.getNewClientTransaction(reinvite);
        byClientTx.put(tx, call);
        call.dialog.sendRequest(tx);
      } catch (ParseException | SipException | RuntimeException e) {
        error(id, "re-INVITE failed: " + e.getMessage());
      }
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
        case Request.OPTIONS -> respond(ev, serverTx(ev), Response.OK, null);
        default -> respond(ev, serverTx(ev), Response.NOT_IMPLEMENTED, null);
      }
    } catch (RuntimeException | SipException | ParseException e) {
      // Never let an exception reach JAIN-SIP; the message is dropped and the peer retries.
      error(0, "could not handle a SIP request (" + e.getClass().getSimpleName() + ")");
    }
  }

  private ServerTransaction serverTx(RequestEvent ev) throws SipException {
    ServerTransaction st = ev.getServerTransaction();
    return st != null ? st : provider.getNewServerTransaction(ev.getRequest());
  }

  private void onInvite(RequestEvent ev) throws SipException, ParseException {
    ServerTransaction st = serverTx(ev);
    Dialog dialog = st.getDialog();
    SipCall existing = dialog == null ? null : byDialog.get(dialog);
    if (existing != null) {
      onReInvite(ev, st, existing);
      return;
    }
    Request req = ev.getRequest();
    String peer = aor(((FromHeader) req.getHeader(FromHeader.NAME)).getAddress().getURI());
    int id = callIds.incrementAndGet();
    SdpNegotiator negotiator = new SdpNegotiator(config.keying(), store, peer, random);
    SipCall call = new SipCall(id, Role.ANSWERER, System.nanoTime(), negotiator, peer, random.nextInt(1 << 30));
    call.dialog = dialog;
    call.serverInviteTx = st;
    byServerTxBranch.put(st.getBranchId(), call);
    events.event("incoming", fields(id));
    if (!config.autoAnswer()) {
      ring(ev, st, call);
      return;
    }
    synchronized (call) {
      try {
        SessionDescription offer = SessionDescription.parse(body(req));
        Optional<LocalSdp.Remote> remote = LocalSdp.remote(offer);
        if (remote.isEmpty()) {
          refuse(ev, st, call, Response.NOT_ACCEPTABLE_HERE, "sdp-no-audio", "offer has no audio stream we can play (PCMU/PCMA)");
          return;
        }
        call.mline = remote.get().mline();
        call.transport = UdpMediaTransport.bind(config.mediaAddress(), config.mediaPortMin(), config.mediaPortMax());
        SdpNegotiator.Answer answer =
            negotiator.answerOffer(offer, LocalSdp.answer(offer, call.mline, call.transport.localRtp(), config.codec(), call.sessionId, call.sdpVersion));
        call.security = answer.security();
        if (dialog != null) {
          byDialog.put(dialog, call);
        }
        Response ok = messages.createResponse(Response.OK, req);
        ((ToHeader) ok.getHeader(ToHeader.NAME)).setTag(Long.toHexString(random.nextLong()));
        ok.addHeader(contact(((ViaHeader) req.getHeader(ViaHeader.NAME)).getTransport()));
        setSdp(ok, answer.sdp());
        st.sendResponse(ok);
        if (call.dialog == null) {
          call.dialog = st.getDialog();
          byDialog.put(call.dialog, call);
        }
        call.state = SipCall.State.ESTABLISHED;
        startMedia(call, remote.get(), null);
        armRevealTimeout(call);
        maybeReportEstablished(call);
      } catch (SdpException e) {
        refuse(ev, st, call, Response.BAD_REQUEST, "sdp-malformed", "malformed SDP in INVITE: " + e.getMessage());
      } catch (KeyingException e) {
        refuse(ev, st, call, Response.NOT_ACCEPTABLE_HERE, e.code(), e.getMessage());
      } catch (IOException | javax.sip.InvalidArgumentException e) {
        refuse(ev, st, call, Response.SERVER_INTERNAL_ERROR, "media", "cannot open media sockets: " + e.getMessage());
      } catch (RuntimeException e) {
        refuse(ev, st, call, Response.SERVER_INTERNAL_ERROR, "internal", "could not answer the INVITE (" + e.getClass().getSimpleName() + ")");
      }
    }
  }

  /** Without auto-answer a headless phone rings: 180, then 480 after 30 s unless CANCELled. */
  private void ring(RequestEvent ev, ServerTransaction st, SipCall call) throws SipException, ParseException {
    if (call.dialog != null) {
      byDialog.put(call.dialog, call);
    }
    respond(ev, st, Response.RINGING, null);
    timers.schedule(
        () -> {
          synchronized (call) {
            if (call.state == SipCall.State.CALLING) {
              try {
                respond(ev, st, Response.TEMPORARILY_UNAVAILABLE, null);
              } catch (SipException | ParseException | RuntimeException e) {
                // the caller went away
              }
              terminate(call, "not-answered");
            }
          }
        },
        30,
        TimeUnit.SECONDS);
  }

  /**
   * A re-offer in an established call. Refused (488, current keys kept) when it would lower the
   * call's security or comes too often; otherwise answered, and new pqkem keys take over only
   * when the offerer proves it holds them (see {@link #onReveal}).
   */
  private void onReInvite(RequestEvent ev, ServerTransaction st, SipCall call) throws SipException, ParseException {
    synchronized (call) {
      Request req = ev.getRequest();
      try {
        if (!call.reoffers.tryTake(System.nanoTime())) {
          throw new KeyingException(KeyingException.Reason.RATE_LIMITED, "too many re-offers in this call");
        }
        SessionDescription offer = SessionDescription.parse(body(req));
        Optional<LocalSdp.Remote> remote = LocalSdp.remote(offer);
        if (remote.isEmpty()) {
          respond(ev, st, Response.NOT_ACCEPTABLE_HERE, warning("sdp-no-audio", "re-offer has no audio stream we can play"));
          error(call.id, "re-INVITE refused: no audio stream we can play; the call keeps its media");
          return;
        }
        SdpNegotiator.Answer answer =
            call.negotiator.answerOffer(offer, LocalSdp.answer(offer, remote.get().mline(), call.transport.localRtp(), config.codec(), call.sessionId, ++call.sdpVersion));
        Response ok = messages.createResponse(Response.OK, req);
        ok.addHeader(contact(((ViaHeader) req.getHeader(ViaHeader.NAME)).getTransport()));
        setSdp(ok, answer.sdp());
        st.sendResponse(ok);
        call.mline = remote.get().mline();
        call.transport.setRemote(remote.get().rtp(), remote.get().rtcp());
        if (call.pendingSecurity != null) {
          call.negotiator.abandon(call.pendingSecurity);
          call.pendingSecurity.destroy();
        }
        call.pendingSecurity = answer.security();
        call.media.rekey(stream(answer.security(), call.mline), null, true);
        armRevealTimeout(call);
        if (answer.security().pqCall().isEmpty()) {
          adoptPending(call); // sdes/none: nothing to confirm (allowed only where it is no step down)
        }
      } catch (SdpException e) {
        respond(ev, st, Response.BAD_REQUEST, warning("sdp-malformed", e.getMessage()));
        error(call.id, "malformed SDP in re-INVITE: " + e.getMessage());
      } catch (KeyingException e) {
        respond(ev, st, Response.NOT_ACCEPTABLE_HERE, warning(e.code(), e.getMessage()));
        error(call.id, "re-INVITE refused, the call keeps its keys: " + e);
      } catch (javax.sip.InvalidArgumentException | RuntimeException e) {
        error(call.id, "re-INVITE failed: " + e.getMessage());
      }
    }
  }

  /** The answerer's pending exchange is confirmed: it becomes the call's security. */
  private void adoptPending(SipCall call) {
    CallSecurity previous = call.security;
    call.security = call.pendingSecurity;
    call.pendingSecurity = null;
    reportExchange(call, call.security);
    if (previous != null && previous != call.security) {
      timers.schedule(previous::destroy, 2, TimeUnit.SECONDS);
    }
  }

  private void onAck(RequestEvent ev) {
    SipCall call = ev.getDialog() == null ? null : byDialog.get(ev.getDialog());
    if (call != null) {
      synchronized (call) {
        call.acked = true;
        maybeReportEstablished(call);
      }
    }
  }

  private void onBye(RequestEvent ev) throws SipException, ParseException {
    ServerTransaction st = serverTx(ev);
    respond(ev, st, Response.OK, null);
    SipCall call = ev.getDialog() == null ? null : byDialog.get(ev.getDialog());
    if (call != null) {
      synchronized (call) {
        terminate(call, "remote-hangup");
      }
    }
  }

  private void onCancel(RequestEvent ev) throws SipException, ParseException {
    ServerTransaction st = serverTx(ev);
    respond(ev, st, Response.OK, null);
    ViaHeader via = (ViaHeader) ev.getRequest().getHeader(ViaHeader.NAME);
    SipCall call = via == null ? null : byServerTxBranch.get(via.getBranch());
    if (call == null && ev.getDialog() != null) {
      call = byDialog.get(ev.getDialog());
    }
    if (call != null && call.serverInviteTx != null) {
      synchronized (call) {
        try {
          call.serverInviteTx.sendResponse(messages.createResponse(Response.REQUEST_TERMINATED, call.serverInviteTx.getRequest()));
        } catch (javax.sip.InvalidArgumentException | SipException e) {
          // the INVITE transaction already completed
        }
        terminate(call, "cancelled");
      }
    }
  }

  @Override
  public void processResponse(ResponseEvent ev) {
    try {
      Response resp = ev.getResponse();
      CSeqHeader cseq = (CSeqHeader) resp.getHeader(CSeqHeader.NAME);
      if (Request.REGISTER.equals(cseq.getMethod())) {
        onRegisterResponse(ev);
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
        int code = resp.getStatusCode();
        if (code < 200) {
          return;
        }
        if (code >= 300) {
          onInviteFailure(call, resp);
          return;
        }
        Dialog dialog = ev.getDialog();
        Request ack = dialog.createAck(cseq.getSeqNumber());
        dialog.sendAck(ack);
        if (call.state == SipCall.State.ENDED) {
          return;
        }
        if (call.establishedNanos != 0 && call.dialog != null && dialog != call.dialog) {
          // Another fork answered after the call was set up with the first: its answer was
          // made for the same offer, whose nonce we reveal to one party only. End that dialog.
          endFork(dialog, call);
          return;
        }
        call.dialog = dialog;
        byDialog.put(dialog, call);
        boolean reinvite = call.state == SipCall.State.ESTABLISHED;
        if (reinvite && call.establishedNanos != 0 && call.inviteTx == ev.getClientTransaction()) {
          return; // 200 retransmission of the first INVITE
        }
        onInviteAnswer(call, resp, reinvite);
      }
    } catch (RuntimeException | SipException | javax.sip.InvalidArgumentException e) {
      // Never let an exception reach JAIN-SIP.
      error(0, "could not handle a SIP response (" + e.getClass().getSimpleName() + ")");
    }
  }

  private void endFork(Dialog fork, SipCall call) {
    error(call.id, "a second fork answered the call; ended that fork (one answer per offer)");
    try {
      fork.sendRequest(provider.getNewClientTransaction(fork.createRequest(Request.BYE)));
    } catch (SipException | RuntimeException e) {
      error(call.id, "could not end the second fork: " + e.getMessage());
    }
  }

  private void onInviteAnswer(SipCall call, Response resp, boolean reinvite) {
    CallSecurity previous = call.security;
    try {
      SessionDescription answer = SessionDescription.parse(body(resp));
      Optional<LocalSdp.Remote> remote = LocalSdp.remote(answer);
      if (remote.isEmpty()) {
        if (reinvite) {
          error(call.id, "re-INVITE answer has no audio stream we can play; the call keeps its media");
          return;
        }
        fail(call, "answer has no audio stream we can play (PCMU/PCMA)");
        return;
      }
      call.security = call.negotiator.acceptAnswer(answer);
      call.mline = remote.get().mline();
      if (reinvite) {
        applyKeys(call, remote.get());
        reportExchange(call, call.security);
        if (previous != null && previous != call.security) {
          timers.schedule(previous::destroy, 2, TimeUnit.SECONDS);
        }
        return;
      }
      call.state = SipCall.State.ESTABLISHED;
      call.acked = true;
      startMedia(call, remote.get(), call.security.pqCall().map(PqCall::revealMessage).orElse(null));
      maybeReportEstablished(call);
    } catch (SdpException e) {
      answerFailed(call, reinvite, "malformed SDP in the answer: " + e.getMessage());
    } catch (KeyingException e) {
      answerFailed(call, reinvite, "the answer's keys were refused (" + e + ")");
    } catch (IOException | RuntimeException e) {
      answerFailed(call, reinvite, "cannot start media: " + e.getMessage());
    }
  }

  /** A bad first answer ends the call; a bad answer to a re-offer changes nothing. */
  private void answerFailed(SipCall call, boolean reinvite, String why) {
    if (reinvite) {
      error(call.id, "rekey failed, the call keeps its keys: " + why);
    } else {
      fail(call, why);
    }
  }

  private void onInviteFailure(SipCall call, Response resp) {
    if (call.state == SipCall.State.ESTABLISHED) {
      error(call.id, "re-INVITE refused: " + resp.getStatusCode() + " " + resp.getReasonPhrase() + warningText(resp));
      return;
    }
    error(call.id, "call refused: " + resp.getStatusCode() + " " + resp.getReasonPhrase() + warningText(resp));
    terminate(call, resp.getStatusCode() == Response.REQUEST_TERMINATED ? "cancelled" : "refused");
  }

  private static String warningText(Response resp) {
    javax.sip.header.WarningHeader w = (javax.sip.header.WarningHeader) resp.getHeader(javax.sip.header.WarningHeader.NAME);
    return w == null ? "" : " (" + w.getText() + ")";
  }

  @Override
  public void processTimeout(TimeoutEvent ev) {
    try {
      if (ev.getClientTransaction() != null && registrations.remove(ev.getClientTransaction()) != null) {
        error(0, "registrar did not answer (REGISTER timed out)");
        return;
      }
      SipCall call = ev.getClientTransaction() == null ? null : byClientTx.get(ev.getClientTransaction());
      if (call != null) {
        synchronized (call) {
          if (call.state != SipCall.State.ENDED) {
            error(call.id, "no answer from the peer (SIP transaction timed out)");
            terminate(call, "timeout");
          }
        }
      }
    } catch (RuntimeException e) {
      // Never let an exception reach JAIN-SIP.
    }
  }

  @Override
  public void processIOException(IOExceptionEvent ev) {
    // Connection failures surface as transaction timeouts for the calls they affect.
  }

  @Override
  public void processTransactionTerminated(TransactionTerminatedEvent ev) {
    if (ev.getClientTransaction() != null) {
      SipCall call = byClientTx.get(ev.getClientTransaction());
      if (call == null || call.state == SipCall.State.ENDED || call.inviteTx != ev.getClientTransaction()) {
        byClientTx.remove(ev.getClientTransaction());
      }
    }
  }

  @Override
  public void processDialogTerminated(DialogTerminatedEvent ev) {
    SipCall call = byDialog.remove(ev.getDialog());
    if (call != null) {
      synchronized (call) {
        // A ringing callee's early dialog only ends when the caller CANCELs.
        boolean ringing = call.role == Role.ANSWERER && call.state == SipCall.State.CALLING;
        terminate(call, ringing ? "cancelled" : "dialog-ended");
      }
    }
  }

  // ---------------------------------------------------------------- media and keys

  private void startMedia(SipCall call, LocalSdp.Remote remote, byte[] reveal) throws IOException {
    call.transport.setRemote(remote.rtp(), remote.rtcp());
    SrtpStream srtp = stream(call.security, remote.mline());
    Wav.Writer recorder = config.record().isPresent() ? new Wav.Writer(config.record().get()) : null;
    call.media =
        new MediaSession(
            call.transport, remote.codec(), config.audio().get(), srtp, reveal,
            bytes -> offMediaThread(() -> onReveal(call, bytes)), recorder, random);
    MediaSession media = call.media;
    media.onFirstPacket(() -> events.event("media", mediaFields(call, media)));
    call.media.start();
  }

  /** Our re-offer was answered and confirmed: its keys take over at once, both ways. */
  private void applyKeys(SipCall call, LocalSdp.Remote remote) {
    call.transport.setRemote(remote.rtp(), remote.rtcp());
    SrtpStream next = stream(call.security, remote.mline());
    byte[] reveal = call.security.pqCall().filter(c -> c.role() == Role.OFFERER).map(PqCall::revealMessage).orElse(null);
    call.media.rekey(next, reveal, false);
  }

  private static SrtpStream stream(CallSecurity security, int mline) {
    Optional<MediaKeys> keys = security.mediaKeys(mline);
    return keys.map(k -> new SrtpStream(k.tx(), k.rx())).orElse(null);
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

  /**
   * A reveal arrived in SRTCP. It confirms either the call's current exchange (the first) or the
   * pending one of a re-offer we answered; anything else (an old exchange's reveal, a forgery)
   * fails its MAC and is ignored.
   */
  private void onReveal(SipCall call, byte[] reveal) {
    synchronized (call) {
      if (call.state == SipCall.State.ENDED) {
        return;
      }
      for (CallSecurity s : new CallSecurity[] {call.pendingSecurity, call.security}) {
        Optional<PqCall> pq = s == null ? Optional.empty() : s.pqCall();
        if (pq.isEmpty() || pq.get().role() != Role.ANSWERER || pq.get().isConfirmed()) {
          continue;
        }
        try {
          pq.get().acceptReveal(reveal);
        } catch (KeyingException e) {
          if (e.reason() == KeyingException.Reason.CONTINUITY_MISMATCH
              || e.reason() == KeyingException.Reason.COMMITMENT_MISMATCH) {
            fail(call, "peer failed verification (" + e + ")");
            return;
          }
          continue; // not this exchange's reveal
        }
        if (s == call.pendingSecurity) {
          adoptPending(call);
        } else {
          maybeReportEstablished(call);
        }
        return;
      }
    }
  }

  /**
   * The answerer waits {@link PhoneConfig#revealTimeout()} for the offerer's reveal. For the
   * first exchange the call goes on, reported as {@code unconfirmed} (neither the offerer's keys
   * nor the SAS are confirmed: a warning). A re-offer's keys that were never confirmed are
   * dropped and the call keeps the keys it had: nothing unconfirmed ever replaces them.
   */
  private void armRevealTimeout(SipCall call) {
    CallSecurity watched = call.pendingSecurity != null ? call.pendingSecurity : call.security;
    Optional<PqCall> pq = watched.pqCall();
    if (pq.isEmpty()) {
      return;
    }
    PqCall expected = pq.get();
    timers.schedule(
        () -> {
          synchronized (call) {
            if (call.state == SipCall.State.ENDED || expected.isConfirmed()) {
              return;
            }
            if (call.pendingSecurity == watched) {
              call.negotiator.abandon(watched);
              call.media.abandonRekey();
              call.pendingSecurity = null;
              watched.destroy();
              error(call.id, "WARNING: the re-offer's keys were never confirmed (no valid pqkem reveal within "
                  + config.revealTimeout().toSeconds() + " s); the call keeps its keys");
            } else if (call.security == watched) {
              call.revealTimedOut = true;
              maybeReportEstablished(call);
            }
          }
        },
        config.revealTimeout().toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private void maybeReportEstablished(SipCall call) {
    if (call.establishedReported || call.state != SipCall.State.ESTABLISHED || !call.acked) {
      return;
    }
    CallSecurity s = call.security;
    boolean unconfirmed = s.pqCall().isPresent() && !s.pqCall().get().isConfirmed();
    if (unconfirmed && !call.revealTimedOut) {
      return; // answerer: wait for the reveal
    }
    call.establishedReported = true;
    call.establishedNanos = System.nanoTime();
    if (!unconfirmed) {
      s.pqCall().ifPresent(pq -> {
        try {
          pq.commitContinuity();
        } catch (KeyingException | RuntimeException e) {
          error(call.id, "cannot store the retained secret: " + e.getMessage());
        }
      });
    }
    Map<String, Object> f = fields(call.id);
    f.put("role", call.role == Role.OFFERER ? "caller" : "callee");
    securityFields(f, s);
    if (unconfirmed) {
      f.put("verification", Verification.UNCONFIRMED.wireName());
    }
    f.put("path", "p2p");
    f.put("setupMs", Math.round((call.establishedNanos - call.startNanos) / 1e4) / 100.0);
    events.event("established", f);
    String v = (String) f.get("verification");
    if (v != null && Verification.valueOf(v.toUpperCase(java.util.Locale.ROOT).replace('-', '_')).isWarning()) {
      error(call.id, "WARNING: " + v + " - compare the SAS aloud before trusting this call");
    }
  }

  /**
   * A new exchange in an established call took effect: {@code rekeyed} when it was chained to
   * the call's keys (same peer, same SAS), {@code peer-changed} when it was not (whoever answers
   * now is a different party, with its own SAS: loud).
   */
  private void reportExchange(SipCall call, CallSecurity s) {
    s.pqCall().ifPresent(pq -> {
      try {
        pq.commitContinuity();
      } catch (KeyingException | RuntimeException e) {
        error(call.id, "cannot store the retained secret: " + e.getMessage());
      }
    });
    boolean changed = s.pqCall().map(pq -> pq.exchange() == PqCall.Exchange.PEER_CHANGED).orElse(false);
    Map<String, Object> f = fields(call.id);
    securityFields(f, s);
    events.event(changed ? "peer-changed" : "rekeyed", f);
    if (changed) {
      error(call.id, "WARNING: peer-changed - the other end of this call is now a different party "
          + "(transfer, or a man in the middle); compare the new SAS " + s.sas().orElse("?"));
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
      Optional<PqCall> pq = call.security == null ? Optional.empty() : call.security.pqCall();
      if (pq.isEmpty()) {
        error(id, "nothing to verify: the call is not keyed by pqkem");
        return;
      }
      try {
        pq.get().markSasVerified();
        Map<String, Object> f = fields(id);
        securityFields(f, call.security);
        events.event("verified", f);
      } catch (KeyingException | RuntimeException e) {
        error(id, "cannot mark the SAS verified: " + e.getMessage());
      }
    }
  }

  private static void securityFields(Map<String, Object> f, CallSecurity s) {
    f.put("security", s.security().wireName());
    f.put("kem", s.kem().orElse(null));
    f.put("srtp", s.srtp().map(Enum::name).orElse(null));
    f.put("sas", s.sas().orElse(null));
    f.put("verification", s.verification().map(v -> v.wireName()).orElse(null));
    s.pqCall().flatMap(PqCall::verifiedIdentity).ifPresent(id -> f.put("verifiedAs", id));
    s.note().ifPresent(n -> f.put("note", n.toString()));
  }

  private void reportMedia() {
    for (SipCall call : List.copyOf(byDialog.values())) {
      if (call.state == SipCall.State.ESTABLISHED && call.establishedReported && call.media != null) {
        events.event("media", mediaFields(call));
      }
    }
  }

  private Map<String, Object> mediaFields(SipCall call) {
    return mediaFields(call, call.media);
  }

  private Map<String, Object> mediaFields(SipCall call, MediaSession media) {
    Map<String, Object> f = fields(call.id);
    var st = media.stats();
    f.put("packetsSent", st.packetsSent());
    f.put("packetsReceived", st.packetsReceived());
    f.put("packetsLost", st.packetsLost());
    f.put("authFailures", st.authFailures());
    f.put("rtcpAuthFailures", st.rtcpAuthFailures());
    f.put("replays", st.replays());
    media.firstPacketNanos().ifPresent(t -> f.put("firstPacketMs", Math.round((t - call.startNanos) / 1e4) / 100.0));
    return f;
  }

  // ---------------------------------------------------------------- endings

  private void refuse(RequestEvent ev, ServerTransaction st, SipCall call, int code, String warnCode, String why) {
    error(call.id, "refused the call (" + code + "): " + warnCode + ": " + why);
    terminate(call, "refused");
    try {
      respond(ev, st, code, warning(warnCode, why));
    } catch (SipException | ParseException | RuntimeException e) {
      // the caller is gone (e.g. a truncated request on a closed connection)
    }
  }

  private javax.sip.header.WarningHeader warning(String code, String text) throws ParseException {
    try {
      String clean = (code + ": " + text).replace('"', '\'');
      return headers.createWarningHeader("pqsip", 399, clean);
    } catch (javax.sip.InvalidArgumentException e) {
      throw new ParseException(e.getMessage(), 0);
    }
  }

  private void respond(RequestEvent ev, ServerTransaction st, int code, javax.sip.header.Header extra)
      throws SipException, ParseException {
    try {
      Response r = messages.createResponse(code, ev.getRequest());
      if (extra != null) {
        r.addHeader(extra);
      }
      if (code >= 200 && code < 300 && ev.getRequest().getMethod().equals(Request.INVITE)) {
        ((ToHeader) r.getHeader(ToHeader.NAME)).setTag(Long.toHexString(random.nextLong()));
      }
      st.sendResponse(r);
    } catch (javax.sip.InvalidArgumentException e) {
      throw new SipException(e.getMessage(), e);
    }
  }

  private void fail(SipCall call, String why) {
    error(call.id, why);
    boolean confirmedDialog =
        call.dialog != null && call.dialog.getState() == javax.sip.DialogState.CONFIRMED;
    if (call.state == SipCall.State.ESTABLISHED || (call.state == SipCall.State.CALLING && confirmedDialog)) {
      try {
        Request bye = call.dialog.createRequest(Request.BYE);
        call.dialog.sendRequest(provider.getNewClientTransaction(bye));
      } catch (SipException | RuntimeException e) {
        // tear down locally anyway
      }
    }
    terminate(call, "error");
  }

  /** Stops media, wipes keys, forgets the call, reports {@code ended} once. */
  private void terminate(SipCall call, String reason) {
    if (call.state == SipCall.State.ENDED) {
      return;
    }
    boolean wasEstablished = call.establishedReported && call.media != null;
    call.state = SipCall.State.ENDED;
    Map<String, Object> last = wasEstablished ? mediaFields(call) : null;
    if (call.media != null) {
      call.media.close();
    } else if (call.transport != null) {
      call.transport.close();
    }
    if (call.security != null) {
      call.security.destroy();
    }
    if (call.pendingSecurity != null) {
      call.pendingSecurity.destroy();
    }
    call.negotiator.close();
    if (call.dialog != null) {
      byDialog.remove(call.dialog);
    }
    byClientTx.values().removeIf(c -> c == call);
    byServerTxBranch.values().removeIf(c -> c == call);
    if (last != null) {
      events.event("media", last);
    }
    ended(call.id, reason);
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
      if (c.id == id) {
        return c;
      }
    }
    for (SipCall c : byClientTx.values()) {
      if (c.id == id) {
        return c;
      }
    }
    return null;
  }

  /** The highest call number handed out so far (0 before the first call). */
  public int newestCall() {
    return callIds.get();
  }

  /** Number of calls not yet ended (for leak checks). */
  public int activeCalls() {
    java.util.Set<SipCall> all = new java.util.HashSet<>(byDialog.values());
    all.addAll(byClientTx.values());
    all.removeIf(c -> c.state == SipCall.State.ENDED);
    return all.size();
  }

  private static String body(javax.sip.message.Message m) throws SdpException {
    byte[] raw = m.getRawContent();
    if (raw == null || raw.length == 0) {
      throw new SdpException("no SDP body");
    }
    return new String(raw, StandardCharsets.UTF_8);
  }

  static String aor(URI uri) {
    if (uri instanceof SipURI s) {
      return "sip:" + (s.getUser() == null ? "" : s.getUser() + "@") + s.getHost();
    }
    return uri.toString();
  }

  private static String userPart(String aor) {
    String s = aor.substring(aor.indexOf(':') + 1);
    return s.substring(0, s.indexOf('@'));
  }

  /** Hangs up every call, stops the stack and the timer thread; never throws. */
  @Override
  public void close() {
    java.util.Set<SipCall> all = new java.util.HashSet<>(byDialog.values());
    all.addAll(byClientTx.values());
    for (SipCall c : all) {
      try {
        hangup(c.id);
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
      try {
        stack.stop();
      } catch (RuntimeException e) {
        // keep closing
      }
    }
  }
}
