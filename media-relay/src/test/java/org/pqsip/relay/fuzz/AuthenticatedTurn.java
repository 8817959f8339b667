package org.pqsip.relay.fuzz;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import org.pqsip.relay.alloc.Allocation;
import org.pqsip.relay.alloc.AllocationTable;
import org.pqsip.relay.alloc.FiveTuple;
import org.pqsip.relay.alloc.Quotas;
import org.pqsip.relay.core.DataPath;
import org.pqsip.relay.core.PeerPolicy;
import org.pqsip.relay.core.RelayCounters;
import org.pqsip.relay.core.SourceLimiter;
import org.pqsip.relay.core.TurnService;
import org.pqsip.stun.RestCredentials;
import org.pqsip.stun.StunAttribute;
import org.pqsip.stun.StunClass;
import org.pqsip.stun.StunException;
import org.pqsip.stun.StunMessage;
import org.pqsip.stun.StunMethod;
import org.pqsip.stun.XorAddress;

/**
 * A fresh {@link TurnService} world driven by a script of steps read from fuzzer bytes: requests
 * that the harness signs with the right (or a wrong) key so that fuzzer-chosen attributes get
 * past MESSAGE-INTEGRITY into the Allocate, Refresh, CreatePermission and ChannelBind handlers;
 * Send indications, ChannelData and peer datagrams on the data path; time jumps with sweeps.
 * After every step it checks invariants against its own bookkeeping (not against the relay's):
 * quotas and per-allocation bounds hold, no allocation and no success answer without valid
 * credentials, nothing relayed to or permitted for a denied peer, relayed ports opened and closed
 * exactly once each; after the script, time runs past every lifetime and nothing may be left.
 *
 * <p>Script format, one step after another until the bytes run out (a missing byte reads 0):
 * <pre>
 *   op % 6 = 0 request: client, method (% 5: Allocate, Refresh, CreatePermission, ChannelBind, other),
 *                       auth (% 4: alice, bob, wrong key, expired user), nonce (% 3: fresh, stale, forged),
 *                       count (% 8) attributes, flags (bit 0: FINGERPRINT)
 *            attribute: kind % 8 = 0 REQUESTED-TRANSPORT(b) 1 LIFETIME(u32) 2 XOR-PEER-ADDRESS(pool b, port u16)
 *                       3 CHANNEL-NUMBER(u16) 4 EVEN-PORT(b) 5 REQUESTED-ADDRESS-FAMILY(b) 6 DATA(len b, bytes)
 *                       7 any(type u16, len b, bytes)
 *            1 Send indication: client, pool b, port u16, len b, bytes
 *            2 ChannelData from a client: client, channel u16, len b, bytes
 *            3 datagram from a peer to a relayed port: port index b, pool b, port u16, len b, bytes
 *            4 time passes: seconds u16, then a sweep
 *            5 raw bytes from a client: client, len b, bytes
 * </pre>
 */
final class AuthenticatedTurn {
  /** What a run reached (the seed corpus must reach each). */
  enum Reached {
    ALLOCATED, REFRESHED, DELETED, PERMITTED, CHANNEL_BOUND, TO_PEER, TO_CLIENT, QUOTA_REFUSED, PEER_FORBIDDEN,
    UNAUTHORIZED, STALE_NONCE, EXPIRED_AND_SWEPT
  }

  static final int MAX_TOTAL = 3;
  static final int MAX_PER_USER = 2;
  static final int PORTS = 4;
  private static final String REALM = "pq.test";
  private static final byte[] SECRET = "fuzz-secret-0123456789".getBytes(StandardCharsets.US_ASCII);
  private static final long START_EPOCH = 1_800_000_000L;
  private static final int[] METHODS = {StunMethod.ALLOCATE, StunMethod.REFRESH, StunMethod.CREATE_PERMISSION,
      StunMethod.CHANNEL_BIND, 0x00A};

  /** Peer addresses: the ones marked denied must never be permitted or relayed to. */
  private record Pool(InetAddress address, boolean denied) {}

  private static final List<Pool> POOL = List.of(
      pool("203.0.113.5", false), pool("198.51.100.7", false), pool("2001:db8::5", false), pool("2001:db8:1::9", false),
      pool("127.0.0.1", true), pool("10.0.0.1", true), pool("192.168.1.1", true), pool("172.16.0.1", true),
      pool("169.254.169.254", true), pool("100.64.0.1", true), pool("0.0.0.0", true), pool("255.255.255.255", true),
      pool("224.0.0.1", true), pool("::1", true), pool("fe80::1", true), pool("fc00::1", true),
      pool("::ffff:127.0.0.1", true), pool("::ffff:10.0.0.1", true), pool("::127.0.0.1", true),
      pool("64:ff9b::a00:1", true), pool("2002:7f00:1::", true), pool("198.51.100.1", true), pool("2001:db8::1", true));

  private final Script in;
  private final long nowStart = 1_000_000_000_000L;
  private long now = nowStart;
  private final boolean v6Relay;
  private final InetAddress relayAddress;
  private final Quotas quotas = new Quotas(MAX_TOTAL, MAX_PER_USER);
  private final AllocationTable table = new AllocationTable(quotas);
  private final RelayCounters counters = new RelayCounters();
  private final RestCredentials credentials = new RestCredentials(SECRET, REALM);
  private final TurnService turn;
  private final DataPath data = new DataPath(counters, 7);
  private final Set<Integer> openPorts = new HashSet<>();
  private final Map<Integer, Allocation> byPort = new HashMap<>();
  private final List<FiveTuple> clients = new ArrayList<>();
  private final EnumSet<Reached> reached = EnumSet.noneOf(Reached.class);
  private String staleNonce;
  private final List<Allocation> startedThisStep = new ArrayList<>();

  AuthenticatedTurn(byte[] script) {
    this(script, List.of());
  }

  /** With {@code allowCidrs} opened in the relay's peer policy (to show that the invariants catch a weak policy). */
  AuthenticatedTurn(byte[] script, List<String> allowCidrs) {
    this.in = new Script(script);
    this.v6Relay = (in.u8() & 1) == 1;
    this.relayAddress = v6Relay ? address("2001:db8::1") : address("198.51.100.1");
    InetSocketAddress server = new InetSocketAddress(relayAddress, 3478);
    for (String c : v6Relay ? new String[] {"2001:db8:2::10", "2001:db8:2::11"} : new String[] {"203.0.113.10", "203.0.113.11"}) {
      clients.add(new FiveTuple(new InetSocketAddress(address(c), 40000), server, "udp"));
      clients.add(new FiveTuple(new InetSocketAddress(address(c), 40001), server, "tcp"));
    }
    turn = new TurnService(
        new TurnService.Settings(credentials, REALM, new byte[32], new PeerPolicy(Set.of(relayAddress), allowCidrs), relayAddress),
        table, new Ports(), counters, new SourceLimiter(1_000_000_000, new byte[16]));
    staleNonce = freshNonce();
  }

  /** Runs the whole script, then lets every lifetime pass: throws AssertionError on a broken invariant. */
  EnumSet<Reached> run() {
    while (in.remaining() > 0) {
      startedThisStep.clear();
      step();
      checkInvariants();
    }
    now += AllocationTable.MAX_LIFETIME_NANOS + Allocation.CHANNEL_NANOS + 1;
    turn.sweep(now);
    check(table.size() == 0, "allocations left after every lifetime passed: " + table.size());
    check(openPorts.isEmpty(), "relayed ports left open after every lifetime passed: " + openPorts);
    check(quotas.active() == 0, "quota still held after every lifetime passed: " + quotas.active());
    if (reached.contains(Reached.ALLOCATED)) {
      reached.add(Reached.EXPIRED_AND_SWEPT);
    }
    return reached;
  }

  private void step() {
    switch (in.u8() % 6) {
      case 0 -> request();
      case 1 -> sendIndication();
      case 2 -> channelData();
      case 3 -> fromPeer();
      case 4 -> {
        now += in.u16() * 1_000_000_000L;
        turn.sweep(now);
      }
      default -> {
        FiveTuple c = client();
        byte[] raw = in.bytes(in.u8());
        expectNoSuccess(turn.fromClient(c, raw, 0, raw.length, now, epoch()), "raw bytes");
      }
    }
  }

  // ------------------------------------------------------------------ steps

  private void request() {
    FiveTuple c = client();
    int method = METHODS[in.u8() % METHODS.length];
    int auth = in.u8() % 4;
    int nonceKind = in.u8() % 3;
    String user = switch (auth) {
      case 0, 2 -> (START_EPOCH + 86_400) + ":alice";
      case 1 -> (START_EPOCH + 86_400) + ":bob";
      default -> (START_EPOCH - 10) + ":carol";
    };
    String nonce = switch (nonceKind) {
      case 0 -> freshNonce();
      case 1 -> staleNonce;
      default -> "ffffffffff-" + "0123456789abcdef01234567";
    };
    byte[] tid = in.bytes(12);
    List<StunAttribute> attrs = new ArrayList<>();
    attrs.add(new StunAttribute(StunAttribute.USERNAME, user.getBytes(StandardCharsets.UTF_8)));
    attrs.add(new StunAttribute(StunAttribute.REALM, REALM.getBytes(StandardCharsets.UTF_8)));
    attrs.add(new StunAttribute(StunAttribute.NONCE, nonce.getBytes(StandardCharsets.US_ASCII)));
    int count = in.u8() % 8;
    for (int i = 0; i < count; i++) {
      attrs.add(attribute(tid));
    }
    boolean fingerprint = (in.u8() & 1) == 1;
    String password = auth == 2 ? "not-the-password" : credentials.password(user);
    byte[] key = RestCredentials.longTermKey(user, REALM, password);
    byte[] wire;
    try {
      wire = StunMessage.of(StunClass.REQUEST, method, tid, attrs).encode(key, false, fingerprint);
    } catch (RuntimeException e) {
      return; // the harness built something the encoder refuses (too long): not the relay's input
    }
    long nonceExpiry = nonceKind == 2 ? -1 : Long.parseLong(nonce.substring(0, nonce.indexOf('-')), 16);
    boolean credentialed = auth <= 1 && nonceKind != 2 && nonceExpiry >= epoch() && START_EPOCH + 86_400 >= epoch();
    List<TurnService.Action> out = turn.fromClient(c, wire, 0, wire.length, now, epoch());
    if (!credentialed) {
      expectNoSuccess(out, "a request without valid credentials");
      check(startedThisStep.isEmpty(), "an allocation was made without valid credentials");
    }
    for (TurnService.Action a : out) {
      if (a instanceof TurnService.Action.ToClient r) {
        note(method, r.data());
      }
    }
    for (Allocation a : startedThisStep) {
      check(method == StunMethod.ALLOCATE && credentialed && a.ownedBy(user), "an allocation appeared for another request");
    }
  }

  private StunAttribute attribute(byte[] tid) {
    return switch (in.u8() % 8) {
      case 0 -> new StunAttribute(StunAttribute.REQUESTED_TRANSPORT, new byte[] {(byte) (in.u8() < 200 ? 17 : in.u8()), 0, 0, 0});
      case 1 -> new StunAttribute(StunAttribute.LIFETIME, in.bytes(4));
      case 2 -> new StunAttribute(StunAttribute.XOR_PEER_ADDRESS, XorAddress.encode(peer(), tid));
      case 3 -> new StunAttribute(StunAttribute.CHANNEL_NUMBER, new byte[] {(byte) in.u8(), (byte) in.u8(), 0, 0});
      case 4 -> new StunAttribute(StunAttribute.EVEN_PORT, new byte[] {(byte) in.u8()});
      case 5 -> new StunAttribute(StunAttribute.REQUESTED_ADDRESS_FAMILY, new byte[] {(byte) in.u8(), 0, 0, 0});
      case 6 -> new StunAttribute(StunAttribute.DATA, in.bytes(in.u8()));
      default -> new StunAttribute(in.u16(), in.bytes(in.u8()));
    };
  }

  private void sendIndication() {
    FiveTuple c = client();
    InetSocketAddress p = peer();
    byte[] tid = new byte[12];
    byte[] wire = StunMessage.of(StunClass.INDICATION, StunMethod.SEND, tid, List.of(
        new StunAttribute(StunAttribute.XOR_PEER_ADDRESS, XorAddress.encode(p, tid)),
        new StunAttribute(StunAttribute.DATA, in.bytes(in.u8())))).encode(null, false, false);
    for (TurnService.Action a : turn.fromClient(c, wire, 0, wire.length, now, epoch())) {
      if (a instanceof TurnService.Action.ToPeer t) {
        checkPeer(t.peer(), "a Send indication");
        reached.add(Reached.TO_PEER);
      }
    }
  }

  private void channelData() {
    FiveTuple c = client();
    int channel = in.u16();
    byte[] payload = in.bytes(in.u8());
    ByteBuffer frame = ByteBuffer.allocate(4 + payload.length).putShort((short) channel).putShort((short) payload.length)
        .put(payload).flip();
    table.byClient(c, now).ifPresent(a -> {
      if (DataPath.isChannelData(frame)) {
        InetSocketAddress p = data.toPeer(a, frame, now);
        if (p != null) {
          checkPeer(p, "ChannelData");
          reached.add(Reached.TO_PEER);
        }
      }
    });
  }

  private void fromPeer() {
    List<Integer> ports = new ArrayList<>(openPorts);
    ports.sort(null);
    int index = in.u8();
    InetSocketAddress p = peer();
    byte[] payload = in.bytes(in.u8());
    if (ports.isEmpty()) {
      return;
    }
    table.byRelayPort(ports.get(index % ports.size()), now).ifPresent(a -> {
      ByteBuffer buf = ByteBuffer.allocate(DataPath.BUFFER_SIZE);
      buf.position(DataPath.HEADROOM).put(payload).flip().position(DataPath.HEADROOM);
      if (data.toClient(a, p, buf, a.fiveTuple().transport().equals("tcp"), now)) {
        checkPeer(p, "a peer's datagram");
        reached.add(Reached.TO_CLIENT);
      }
    });
  }

  // ------------------------------------------------------------------ invariants

  private void checkInvariants() {
    check(table.size() <= MAX_TOTAL, "more allocations than the total quota: " + table.size());
    check(quotas.active() == table.size(), "quota count " + quotas.active() + " != allocations " + table.size());
    check(openPorts.size() == table.size(), "open relayed ports " + openPorts.size() + " != allocations " + table.size());
    Map<String, Integer> perUser = new HashMap<>();
    for (Allocation a : byPort.values()) {
      for (String u : List.of((START_EPOCH + 86_400) + ":alice", (START_EPOCH + 86_400) + ":bob")) {
        if (a.ownedBy(u)) {
          perUser.merge(u, 1, Integer::sum);
        }
      }
      check(a.permissionCount() <= Allocation.MAX_PERMISSIONS, "permissions over the bound: " + a.permissionCount());
      check(a.channelCount() <= Allocation.MAX_CHANNELS, "channels over the bound: " + a.channelCount());
      for (Pool p : POOL) {
        check(!p.denied() || !a.permitted(p.address(), now), "a denied peer holds a permission: " + p.address());
      }
    }
    perUser.values().forEach(n -> check(n <= MAX_PER_USER, "more allocations for one user than its quota: " + n));
    check(perUser.values().stream().mapToInt(Integer::intValue).sum() == byPort.size(), "an allocation owned by nobody");
  }

  /** A peer data went to: never a denied one (by the pool's labels, or an independent check for others). */
  private void checkPeer(InetSocketAddress p, String what) {
    for (Pool e : POOL) {
      if (e.address().equals(p.getAddress())) {
        check(!e.denied(), what + " was relayed to a denied peer " + p.getAddress());
        return;
      }
    }
    check(!obviouslyInternal(p.getAddress()), what + " was relayed to an internal address " + p.getAddress());
  }

  /** Loopback, private, link-local, unspecified or multicast, in any IPv6 form carrying an IPv4 address: an oracle apart from PeerPolicy. */
  private static boolean obviouslyInternal(InetAddress a) {
    byte[] b = a.getAddress();
    if (b.length == 16) {
      boolean zero10 = true;
      for (int i = 0; i < 10; i++) {
        zero10 &= b[i] == 0;
      }
      boolean mapped = zero10 && (b[10] & b[11] & 0xff) == 0xff;
      boolean compat = zero10 && b[10] == 0 && b[11] == 0;
      boolean nat64 = (b[0] & 0xff) == 0 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b;
      if (mapped || (compat && (b[12] | b[13] | b[14]) != 0) || nat64) {
        return internal4(b[12] & 0xff, b[13] & 0xff);
      }
      if ((b[0] & 0xff) == 0x20 && b[1] == 0x02) {
        return internal4(b[2] & 0xff, b[3] & 0xff);
      }
      return a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isLinkLocalAddress() || a.isMulticastAddress()
          || (b[0] & 0xfe) == 0xfc;
    }
    return internal4(b[0] & 0xff, b[1] & 0xff);
  }

  private static boolean internal4(int b0, int b1) {
    return b0 == 0 || b0 == 10 || b0 == 127 || (b0 == 169 && b1 == 254) || (b0 == 172 && (b1 & 0xf0) == 16)
        || (b0 == 192 && b1 == 168) || (b0 == 100 && (b1 & 0xc0) == 64) || b0 >= 224;
  }

  private void expectNoSuccess(List<TurnService.Action> out, String what) {
    for (TurnService.Action a : out) {
      if (a instanceof TurnService.Action.ToClient r) {
        try {
          StunMessage m = StunMessage.decode(r.data(), 0, r.data().length);
          check(m.messageClass() != StunClass.SUCCESS || m.method() == StunMethod.BINDING, what + " got a success answer");
        } catch (StunException e) {
          throw new AssertionError("the relay sent an undecodable answer", e);
        }
      }
      check(!(a instanceof TurnService.Action.ToPeer), what + " relayed data to a peer");
    }
  }

  private void note(int method, byte[] reply) {
    StunMessage m;
    try {
      m = StunMessage.decode(reply, 0, reply.length);
    } catch (StunException e) {
      throw new AssertionError("the relay sent an undecodable answer", e);
    }
    if (m.messageClass() == StunClass.SUCCESS) {
      switch (method) {
        case StunMethod.ALLOCATE -> reached.add(Reached.ALLOCATED);
        case StunMethod.REFRESH -> reached.add(lifetimeZero(m) ? Reached.DELETED : Reached.REFRESHED);
        case StunMethod.CREATE_PERMISSION -> reached.add(Reached.PERMITTED);
        case StunMethod.CHANNEL_BIND -> reached.add(Reached.CHANNEL_BOUND);
        default -> check(false, "a success answer to an unknown method");
      }
      return;
    }
    m.attribute(StunAttribute.ERROR_CODE).ifPresent(e -> {
      int code = (e.value()[2] & 0x7) * 100 + (e.value()[3] & 0xff);
      switch (code) {
        case 486 -> reached.add(Reached.QUOTA_REFUSED);
        case 403 -> reached.add(Reached.PEER_FORBIDDEN);
        case 401 -> reached.add(Reached.UNAUTHORIZED);
        case 438 -> reached.add(Reached.STALE_NONCE);
        default -> { }
      }
    });
  }

  private static boolean lifetimeZero(StunMessage m) {
    return m.attribute(StunAttribute.LIFETIME).map(a -> ByteBuffer.wrap(a.value()).getInt() == 0).orElse(false);
  }

  private static void check(boolean ok, String broken) {
    if (!ok) {
      throw new AssertionError("invariant broken: " + broken);
    }
  }

  // ------------------------------------------------------------------ the world

  /** Relayed ports from a pool of {@link #PORTS}: opened and closed exactly once each. */
  private final class Ports implements TurnService.RelayPorts {
    @Override
    public OptionalInt open(boolean even) {
      for (int p = 50000; p < 50000 + PORTS; p++) {
        if (!openPorts.contains(p) && (!even || p % 2 == 0)) {
          openPorts.add(p);
          return OptionalInt.of(p);
        }
      }
      return OptionalInt.empty();
    }

    @Override
    public void started(Allocation a) {
      check(openPorts.contains(a.relayPort()), "an allocation started on a port never opened");
      check(byPort.put(a.relayPort(), a) == null, "two allocations on one relayed port");
      startedThisStep.add(a);
    }

    @Override
    public void close(int port) {
      check(openPorts.remove(port), "relayed port closed twice (or never opened): " + port);
      byPort.remove(port);
    }
  }

  private FiveTuple client() {
    return clients.get(in.u8() % clients.size());
  }

  private InetSocketAddress peer() {
    return new InetSocketAddress(POOL.get(in.u8() % POOL.size()).address(), in.u16());
  }

  private long epoch() {
    return START_EPOCH + (now - nowStart) / 1_000_000_000L;
  }

  /** The nonce the relay hands out now (from its own 401). */
  private String freshNonce() {
    byte[] probe = StunMessage.of(StunClass.REQUEST, StunMethod.ALLOCATE, new byte[12], List.of()).encode(null, false, false);
    for (TurnService.Action a : turn.fromClient(clients.get(0), probe, 0, probe.length, now, epoch())) {
      try {
        StunMessage m = StunMessage.decode(((TurnService.Action.ToClient) a).data(), 0, ((TurnService.Action.ToClient) a).data().length);
        return new String(m.attribute(StunAttribute.NONCE).orElseThrow().value(), StandardCharsets.US_ASCII);
      } catch (StunException e) {
        throw new AssertionError("the relay's 401 does not decode", e);
      }
    }
    throw new AssertionError("the relay did not challenge an unauthenticated Allocate");
  }

  private static Pool pool(String address, boolean denied) {
    return new Pool(address(address), denied);
  }

  private static InetAddress address(String literal) {
    try {
      byte[] raw = InetAddress.getByName(literal).getAddress();
      if (literal.startsWith("::ffff:")) { // keep the IPv6 form: the JDK would reduce it to IPv4
        byte[] v6 = new byte[16];
        v6[10] = (byte) 0xff;
        v6[11] = (byte) 0xff;
        System.arraycopy(raw, 0, v6, 12, 4);
        return java.net.Inet6Address.getByAddress(null, v6, -1);
      }
      return InetAddress.getByAddress(raw);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(literal, e);
    }
  }

  /** Fuzzer bytes read front to back; past the end every read is 0. */
  static final class Script {
    private final byte[] b;
    private int at;

    Script(byte[] b) {
      this.b = b;
    }

    int remaining() {
      return b.length - at;
    }

    int u8() {
      return at < b.length ? b[at++] & 0xff : 0;
    }

    int u16() {
      return (u8() << 8) | u8();
    }

    byte[] bytes(int n) {
      byte[] out = new byte[n];
      for (int i = 0; i < n; i++) {
        out[i] = (byte) u8();
      }
      return out;
    }
  }
}
