package org.pqsip.gateway;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.sip.SipException;
import org.pqsip.api.GatewayStatus;
import org.pqsip.api.PqGateway;
import org.pqsip.api.TrunkCallInfo;
import org.pqsip.media.AudioCodec;
import org.pqsip.media.CallMedia;
import org.pqsip.media.DaemonThreads;
import org.pqsip.media.MediaLoop;
import org.pqsip.media.MediaTransport;
import org.pqsip.sip.PhoneEvents;
import org.pqsip.sip.UserAgent;
import org.pqsip.srtp.SrtpStream;
import org.pqsip.store.FilePeerStore;

/**
 * The PQ trunk gateway: a back-to-back user agent. A call from the site's PBX (the LAN side) is
 * routed by {@link GatewayConfig#toTrunk} and placed again, as a pqkem call, to the far gateway
 * (the trunk side); a call from a far gateway is routed by {@link GatewayConfig#toLan} and placed
 * to the site's PBX. The incoming leg rings until the outgoing leg is answered, then is answered;
 * a refusal of the outgoing leg refuses the incoming one with the same code; either leg's end
 * ends the other. Media: {@link BridgeLeg}s on one {@link MediaLoop}.
 *
 * <p>Events (for {@code ./pq gateway --json} and the OSGi component): {@code bridged} with the
 * trunk leg's security and verification, {@code media} (each leg's packet counts, every second),
 * {@code ended}, {@code refused}; a gateway call number, never an address, user or Call-ID.
 * Nothing is logged per call.
 */
public final class TrunkGateway implements PqGateway, AutoCloseable {
  /** Which user agent a call belongs to. */
  enum Side { LAN, TRUNK }

  private record Leg(Side side, int call) {}

  /** One bridged call: its two legs (call numbers of each side's user agent) and its media. */
  private static final class Pair {
    final int id;
    final Leg incoming;
    Leg outgoing;
    volatile Map<String, Object> trunkSecurity;
    boolean answered;
    boolean incomingUp;
    boolean outgoingUp;
    volatile boolean reported;
    volatile boolean over;

    Pair(int id, Leg incoming) {
      this.id = id;
      this.incoming = incoming;
    }

    Leg other(Leg l) {
      return l.equals(incoming) ? outgoing : incoming;
    }
  }

  private final GatewayConfig config;
  private final PhoneEvents events;
  private final SecureRandom random = new SecureRandom();
  private final MediaLoop loop;
  private final ScheduledExecutorService reports;
  /** Every signalling decision runs here, one at a time, never under a user agent's call lock. */
  private final ExecutorService decisions;
  private final Map<Leg, Pair> pairs = new ConcurrentHashMap<>();
  private final AtomicInteger pairIds = new AtomicInteger();
  private final GatewayStats stats = new GatewayStats();
  private FilePeerStore lanStore;
  private FilePeerStore trunkStore;
  private UserAgent lan;
  private UserAgent trunk;

  private TrunkGateway(GatewayConfig config, PhoneEvents events) throws IOException {
    this.config = config;
    this.events = events;
    this.loop = new MediaLoop("pqsip-gateway-media");
    this.reports = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("pqsip-gateway-rtcp"));
    this.decisions = Executors.newSingleThreadExecutor(DaemonThreads.named("pqsip-gateway-calls"));
  }

  /** Opens the stores, starts both user agents; on any failure nothing is left running. */
  public static TrunkGateway start(GatewayConfig config, PhoneEvents events) throws IOException, SipException {
    TrunkGateway g = new TrunkGateway(config, events);
    try {
      g.lanStore = FilePeerStore.open(config.stateDir().resolve("lan"), config.lan().user(), g.random);
      g.trunkStore = FilePeerStore.open(config.stateDir().resolve("trunk"), config.trunk().user(), g.random);
      g.lan = new UserAgent(config.lan(), g.lanStore, g.listener(Side.LAN), g.random, g.media(Side.LAN), g.loop);
      g.trunk = new UserAgent(config.trunk(), g.trunkStore, g.listener(Side.TRUNK), g.random, g.media(Side.TRUNK), g.loop);
      g.lan.start();
      g.trunk.start();
      if (config.registerLan()) {
        g.lan.register(java.time.Duration.ofSeconds(300));
      }
      if (config.registerTrunk()) {
        g.trunk.register(java.time.Duration.ofSeconds(300));
      }
    } catch (IOException | SipException | RuntimeException e) {
      g.close();
      throw e;
    }
    return g;
  }

  public GatewayConfig config() {
    return config;
  }

  /** Aggregate figures only: counts, no call records. */
  public GatewayStats stats() {
    return stats;
  }

  /** The trunk side's user agent (an admin verifies a far gateway's SAS through it). */
  public UserAgent trunk() {
    return trunk;
  }

  /** The trunk side's remembered far gateways. */
  public FilePeerStore trunkPeers() {
    return trunkStore;
  }

  /**
   * The admin compared the SAS of gateway call {@code call} with the far gateway's admin and it
   * matched: the far gateway is remembered as verified (its trunk leg's {@code verified} event
   * follows). Returns false when there is no such call.
   */
  @Override
  public boolean verifyTrunk(int call) {
    for (Pair p : pairs.values()) {
      if (p.id == call) {
        Leg t = p.incoming.side() == Side.TRUNK ? p.incoming : p.outgoing;
        if (t != null) {
          trunk.verifySas(t.call());
          return true;
        }
      }
    }
    return false;
  }

  @Override
  public GatewayStatus status() {
    return new GatewayStatus(policy(config.trunk()), policy(config.lan()), activeCalls(), stats.attempts(), stats.bridged(),
        stats.refused(), stats.noRoute());
  }

  private static String policy(org.pqsip.sip.PhoneConfig c) {
    return c.keying().policy().name().toLowerCase(java.util.Locale.ROOT) + (c.keying().sdes() ? "+sdes" : "");
  }

  /** Bridged calls now, oldest first, with their trunk leg's security (for the admin). */
  @Override
  public List<TrunkCallInfo> calls() {
    return pairs.values().stream().distinct().filter(p -> p.reported && !p.over && p.trunkSecurity != null)
        .sorted(java.util.Comparator.comparingInt(p -> p.id))
        .map(p -> new TrunkCallInfo(p.id, p.incoming.side() == Side.LAN ? "to-trunk" : "from-trunk",
            String.valueOf(p.trunkSecurity.getOrDefault("security", "none")),
            Optional.ofNullable(p.trunkSecurity.get("sas")).map(String::valueOf),
            String.valueOf(p.trunkSecurity.getOrDefault("verification", "none"))))
        .toList();
  }

  /** Media sockets open now (two per leg: RTP and RTCP), for leak checks. */
  public int mediaSockets() {
    return loop.channels();
  }

  /** Calls being bridged or set up now. */
  public int activeCalls() {
    return (int) pairs.values().stream().distinct().count();
  }

  // ------------------------------------------------------------------ signalling

  private PhoneEvents listener(Side side) {
    return (type, fields) -> {
      Object call = fields.get("call");
      if (type.equals("registered")) {
        events.event("registered", new LinkedHashMap<>(Map.of("side", side == Side.LAN ? "lan" : "trunk")));
        return;
      }
      if (!(call instanceof Integer id) || id == 0) {
        return; // stack errors (whose text may name addresses): not about a bridged call
      }
      Map<String, Object> copy = new LinkedHashMap<>(fields);
      decide(() -> onEvent(new Leg(side, id), type, copy));
    };
  }

  private void decide(Runnable r) {
    try {
      decisions.execute(() -> {
        try {
          r.run();
        } catch (RuntimeException e) {
          stats.internalErrors.incrementAndGet(); // one broken call never stops the gateway
        }
      });
    } catch (RejectedExecutionException e) {
      // stopping
    }
  }

  private UserAgent ua(Side side) {
    return side == Side.LAN ? lan : trunk;
  }

  private void onEvent(Leg leg, String type, Map<String, Object> fields) {
    switch (type) {
      case "incoming" -> onIncoming(leg);
      case "established" -> onEstablished(leg, fields);
      case "ended" -> onEnded(leg, fields);
      case "media" -> {
        Pair p = pairs.get(leg);
        if (p != null) {
          Map<String, Object> f = new LinkedHashMap<>();
          f.put("leg", leg.side() == Side.LAN ? "lan" : "trunk");
          for (String k : List.of("packetsReceived", "packetsSent", "authFailures", "replays")) {
            f.put(k, fields.get(k));
          }
          emit("media", p, f);
        }
      }
      case "peer-changed", "rekeyed", "verified" -> {
        Pair p = pairs.get(leg);
        if (p != null && leg.side() == Side.TRUNK) {
          Map<String, Object> now = new LinkedHashMap<>(p.trunkSecurity == null ? Map.of() : p.trunkSecurity);
          now.putAll(trunkFields(fields));
          if (type.equals("verified")) {
            now.put("verification", "verified");
          }
          p.trunkSecurity = now;
          emit(type, p, trunkFields(fields));
        }
      }
      default -> { }
    }
  }

  /** A new call on one side: route it and place it on the other. */
  private void onIncoming(Leg in) {
    UserAgent from = ua(in.side());
    Optional<UserAgent.Invite> invite = from.invite(in.call());
    if (invite.isEmpty()) {
      return; // refused by its user agent already (bad SDP, policy)
    }
    RouteTable routes = in.side() == Side.LAN ? config.toTrunk() : config.toLan();
    Optional<RouteTable.Route> route = routes.route(invite.get().requestUri());
    if (route.isEmpty()) {
      stats.noRoute.incrementAndGet();
      from.decline(in.call(), 404);
      return;
    }
    Pair p = new Pair(pairIds.incrementAndGet(), in);
    pairs.put(in, p);
    Side outSide = in.side() == Side.LAN ? Side.TRUNK : Side.LAN;
    String target = retarget(invite.get().requestUri(), route.get().nextHop());
    Optional<String> caller = invite.get().fromUser().isEmpty() ? Optional.empty() : Optional.of(invite.get().fromUser());
    int out = ua(outSide).call(target, caller);
    synchronized (p) {
      p.outgoing = new Leg(outSide, out);
      pairs.put(p.outgoing, p);
      link(p);
    }
    stats.attempts.incrementAndGet();
  }

  /**
   * The URI a call is placed to on the other side: the user part of the request URI at the
   * next hop's host, port and parameters ({@code sip:2001@site-b} by {@code sip:198.51.100.2:5080}
   * becomes {@code sip:2001@198.51.100.2:5080}). A next hop with a user part is taken whole.
   */
  static String retarget(String requestUri, String nextHop) {
    String scheme = nextHop.startsWith("sips:") ? "sips:" : "sip:";
    String hop = nextHop.substring(scheme.length());
    if (hop.contains("@")) {
      return nextHop;
    }
    String r = requestUri.substring(requestUri.indexOf(':') + 1);
    int semi = r.indexOf(';');
    if (semi >= 0) {
      r = r.substring(0, semi);
    }
    int at = r.lastIndexOf('@');
    String user = at > 0 ? r.substring(0, at) : "";
    return scheme + (user.isEmpty() ? "" : user + "@") + hop;
  }

  private void onEstablished(Leg leg, Map<String, Object> fields) {
    Pair p = pairs.get(leg);
    if (p == null) {
      return;
    }
    if (leg.side() == Side.TRUNK) {
      p.trunkSecurity = trunkFields(fields);
    }
    if (leg.equals(p.outgoing) && !p.answered) {
      p.answered = true;
      Map<String, String> headers = p.trunkSecurity != null && p.incoming.side() == Side.LAN
          ? Map.of(TRUNK_HEADER, trunkHeader(p.trunkSecurity)) : Map.of();
      ua(p.incoming.side()).answer(p.incoming.call(), headers);
    }
    if (leg.equals(p.incoming)) {
      p.incomingUp = true;
    } else {
      p.outgoingUp = true;
    }
    if (p.incomingUp && p.outgoingUp && !p.reported) {
      // Both legs up (a far gateway's trunk leg once its reveal arrived): the call is bridged.
      p.reported = true;
      stats.bridged.incrementAndGet();
      emit("bridged", p, p.trunkSecurity == null ? Map.of() : p.trunkSecurity);
    }
  }

  /** The header on the local phone's 200 OK naming the trunk leg's security (LAN-only safety). */
  public static final String TRUNK_HEADER = "X-PQ-Trunk";

  static String trunkHeader(Map<String, Object> security) {
    StringBuilder h = new StringBuilder(String.valueOf(security.getOrDefault("security", "none")));
    for (String k : List.of("kem", "sas", "verification")) {
      Object v = security.get(k);
      if (v != null) {
        h.append(';').append(k).append('=').append(v.toString().replaceAll("[^A-Za-z0-9._+-]", ""));
      }
    }
    return h.toString();
  }

  private static Map<String, Object> trunkFields(Map<String, Object> fields) {
    Map<String, Object> f = new LinkedHashMap<>();
    // Not verifiedAs: it is the far gateway's SIP address, and gateway events name no one.
    for (String k : List.of("security", "kem", "srtp", "sas", "verification", "path")) {
      if (fields.get(k) != null) {
        f.put(k, fields.get(k));
      }
    }
    return f;
  }

  private void onEnded(Leg leg, Map<String, Object> fields) {
    Pair p = pairs.remove(leg);
    if (p == null) {
      return;
    }
    Leg other = p.other(leg);
    boolean first;
    synchronized (p) {
      first = !p.over;
      p.over = true;
    }
    if (other != null && first) {
      if (!p.answered && leg.equals(p.outgoing)) {
        int code = fields.get("code") instanceof Integer c ? c : 0;
        ua(other.side()).decline(other.call(), passOn(code));
        stats.refused.incrementAndGet();
        emit("refused", p, Map.of("code", passOn(code)));
      } else {
        ua(other.side()).hangup(other.call());
        emit("ended", p, Map.of("reason", String.valueOf(fields.get("reason"))));
      }
    }
  }

  /**
   * The code the incoming leg is refused with when the outgoing one was: the same for a final
   * answer of the far side (busy, not found, declined, not acceptable), 503 when there was none
   * or it was about us (authentication asked of the gateway, a timeout), 480 when cancelled.
   */
  static int passOn(int code) {
    if (code == 401 || code == 407 || code == 0 || code == 408) {
      return code == 0 ? 503 : 480;
    }
    return code >= 300 && code < 700 ? code : 503;
  }

  private void emit(String type, Pair p, Map<String, Object> more) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("call", p.id);
    f.put("direction", p.incoming.side() == Side.LAN ? "to-trunk" : "from-trunk");
    f.putAll(more);
    events.event(type, f);
  }

  // ------------------------------------------------------------------ media

  /** Every live leg's media by leg; the two of a pair are linked once both exist and the pair is known. */
  private final Map<Leg, BridgeLeg> media = new ConcurrentHashMap<>();

  /** Each side's calls get bridge legs (in whichever order the legs and their pair appear). */
  private CallMedia.Factory media(Side side) {
    return (int call, MediaTransport transport, AudioCodec codec, SrtpStream srtp, byte[] reveal,
        Consumer<byte[]> reveals) -> {
      Leg leg = new Leg(side, call);
      BridgeLeg[] self = new BridgeLeg[1];
      self[0] = new BridgeLeg(transport, codec, srtp, reveal, reveals, reports, random, () -> media.remove(leg, self[0]));
      media.put(leg, self[0]);
      Pair p = pairs.get(leg);
      if (p != null) {
        link(p);
      }
      return self[0];
    };
  }

  /** Links the pair's two legs' media when both exist (again is harmless). */
  private void link(Pair p) {
    synchronized (p) {
      BridgeLeg a = media.get(p.incoming);
      BridgeLeg b = p.outgoing == null ? null : media.get(p.outgoing);
      if (a != null && b != null) {
        BridgeLeg.link(a, b);
      }
    }
  }

  /** Ends every call, stops both user agents, the media loop and the stores; never throws. */
  @Override
  public void close() {
    for (UserAgent ua : new UserAgent[] {lan, trunk}) {
      if (ua != null) {
        ua.close();
      }
    }
    decisions.shutdownNow();
    reports.shutdownNow();
    try {
      decisions.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    loop.close();
    for (FilePeerStore s : new FilePeerStore[] {lanStore, trunkStore}) {
      if (s != null) {
        s.close();
      }
    }
  }

  /** The gateway's aggregate counters (metrics): no per-call record. */
  public static final class GatewayStats {
    final AtomicLong attempts = new AtomicLong();
    final AtomicLong bridged = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong noRoute = new AtomicLong();
    final AtomicLong internalErrors = new AtomicLong();

    public long attempts() {
      return attempts.get();
    }

    public long bridged() {
      return bridged.get();
    }

    public long refused() {
      return refused.get();
    }

    public long noRoute() {
      return noRoute.get();
    }

    public long internalErrors() {
      return internalErrors.get();
    }
  }
}
