package org.pqsip.relay.core;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.pqsip.relay.alloc.Allocation;
import org.pqsip.relay.alloc.AllocationTable;
import org.pqsip.relay.alloc.FiveTuple;
import org.pqsip.stun.RestCredentials;
import org.pqsip.stun.StunAttribute;
import org.pqsip.stun.StunClass;
import org.pqsip.stun.StunException;
import org.pqsip.stun.StunMessage;
import org.pqsip.stun.StunMethod;
import org.pqsip.stun.XorAddress;

/**
 * TURN (RFC 8656) over UDP as a sans-IO state machine: datagrams and {@code now} in, actions out.
 * Long-term credentials with REST-style ephemeral usernames; stateless nonces (an HMAC of their
 * own expiry), so the relay keeps no per-client state before an allocation exists. Forwards
 * opaque bytes; keeps nothing about calls beyond the allocation table's short-lived entries.
 */
public final class TurnService {
  /** Where relayed ports come from: the driver binds and closes sockets. */
  public interface RelayPorts {
    /** Binds a free relayed port (an even one when {@code even}); empty when none is free. */
    OptionalInt open(boolean even);

    /** The allocation for a port just opened now exists: the driver attaches its sockets. */
    void started(Allocation a);

    /** The port's allocation ended (or was never made): the driver closes its sockets. */
    void close(int port);
  }

  /** What every event loop's service shares: credentials, realm, nonce key, peer policy, relay address. */
  public record Settings(RestCredentials credentials, String realm, byte[] nonceKey, PeerPolicy peers, InetAddress relayAddress,
      OtherAddress otherAddress) {
    /** Without a second UDP listen address (no RFC 5780 OTHER-ADDRESS). */
    public Settings(RestCredentials credentials, String realm, byte[] nonceKey, PeerPolicy peers, InetAddress relayAddress) {
      this(credentials, realm, nonceKey, peers, relayAddress, OtherAddress.none());
    }
  }

  /** What the driver must do. */
  public sealed interface Action {
    record ToClient(FiveTuple tuple, byte[] data) implements Action {}

    record ToPeer(Allocation allocation, InetSocketAddress peer, byte[] data) implements Action {}
  }

  static final long NONCE_SECONDS = 3600;

  private final RestCredentials credentials;
  private final String realm;
  private final byte[] nonceKey;
  private final PeerPolicy peers;
  private final AllocationTable table;
  private final RelayPorts ports;
  private final InetAddress relayAddress;
  private final RelayCounters counters;
  private final SourceLimiter limiter;
  private final BindingService binding;

  public TurnService(Settings s, AllocationTable table, RelayPorts ports, RelayCounters counters, SourceLimiter limiter) {
    this.credentials = s.credentials();
    this.realm = s.realm();
    this.nonceKey = s.nonceKey().clone();
    this.peers = s.peers();
    this.table = table;
    this.ports = ports;
    this.relayAddress = s.relayAddress();
    this.counters = counters;
    this.limiter = limiter;
    this.binding = new BindingService(s.otherAddress());
  }

  /**
   * A STUN message from a client on the TURN port (ChannelData goes to {@link DataPath}).
   * Requests from a 5-tuple without an allocation, and Binding requests, are unauthenticated
   * and pass the per-source rate limit first; over it they are dropped unanswered.
   */
  public List<Action> fromClient(FiveTuple t, byte[] b, int off, int len, long now, long epochSeconds) {
    StunMessage m;
    try {
      m = StunMessage.decode(b, off, len);
    } catch (StunException e) {
      counters.add(RelayCounters.DROPPED, 1);
      return List.of();
    }
    if (m.messageClass() == StunClass.INDICATION && m.method() == StunMethod.SEND) {
      return send(t, m, now);
    }
    if (m.messageClass() != StunClass.REQUEST) {
      return List.of();
    }
    if ((m.method() == StunMethod.BINDING || table.byClient(t, now).isEmpty()) && !limiter.allow(t.client().getAddress(), now)) {
      counters.add(RelayCounters.RATE_LIMITED, 1);
      return List.of();
    }
    if (m.method() == StunMethod.BINDING) {
      return binding.handle(t.client(), t.server(), b, off, len).map(r -> List.<Action>of(new Action.ToClient(t, r))).orElse(List.of());
    }
    Optional<byte[]> key = authenticate(t, m, epochSeconds);
    if (key.isEmpty()) {
      return List.of(new Action.ToClient(t, challenge(m, epochSeconds)));
    }
    List<Integer> unknown = m.unknownComprehensionRequired(KNOWN);
    if (!unknown.isEmpty()) {
      counters.error(420); // e.g. RESERVATION-TOKEN, DONT-FRAGMENT: not offered here
      return List.of(new Action.ToClient(t, BindingService.error(m, 420, "Unknown Attribute", unknown, key.get())));
    }
    byte[] reply = switch (m.method()) {
      case StunMethod.ALLOCATE -> allocate(t, m, key.get(), now);
      case StunMethod.REFRESH -> refresh(t, m, key.get(), now);
      case StunMethod.CREATE_PERMISSION -> createPermission(t, m, key.get(), now);
      case StunMethod.CHANNEL_BIND -> channelBind(t, m, key.get(), now);
      default -> error(m, 400, "Bad Request", key.get());
    };
    return List.of(new Action.ToClient(t, reply));
  }

  /** Expires allocations, permissions and channels; closes freed relay ports. */
  public void sweep(long now) {
    for (Allocation a : table.sweep(now)) {
      ports.close(a.relayPort());
    }
  }

  // ------------------------------------------------------------------ requests

  private byte[] allocate(FiveTuple t, StunMessage m, byte[] key, long now) {
    Optional<StunAttribute> rt = m.attribute(StunAttribute.REQUESTED_TRANSPORT);
    if (rt.isEmpty() || rt.get().value().length != 4) {
      return error(m, 400, "Bad Request", key);
    }
    if ((rt.get().value()[0] & 0xff) != 17) {
      return error(m, 442, "Unsupported Transport Protocol", key);
    }
    Optional<StunAttribute> family = m.attribute(StunAttribute.REQUESTED_ADDRESS_FAMILY);
    if (family.isPresent()) {
      int asked = family.get().value().length == 4 ? family.get().value()[0] & 0xff : -1;
      int ours = relayAddress instanceof java.net.Inet4Address ? 1 : 2;
      if (asked != ours) {
        return error(m, 440, "Address Family not Supported", key);
      }
    }
    if (table.byClient(t, now).isPresent()) {
      return error(m, 437, "Allocation Mismatch", key);
    }
    Optional<StunAttribute> evenPort = m.attribute(StunAttribute.EVEN_PORT);
    boolean even = evenPort.isPresent();
    if (even && (evenPort.get().value().length != 1 || (evenPort.get().value()[0] & 0x80) != 0)) {
      // RFC 8656 §7.2: an even port plus a reservation of the next one (R bit) is not offered here
      return error(m, 508, "Insufficient Capacity", key);
    }
    OptionalInt port = ports.open(even);
    if (port.isEmpty()) {
      return error(m, 508, "Insufficient Capacity", key);
    }
    String user = username(m);
    AllocationTable.Result r = table.allocate(t, user, port.getAsInt(), lifetime(m), now);
    if (r.refusal().isPresent()) {
      ports.close(port.getAsInt());
      return switch (r.refusal().get()) {
        case MISMATCH -> error(m, 437, "Allocation Mismatch", key);
        case QUOTA -> error(m, 486, "Allocation Quota Reached", key);
        case CAPACITY -> error(m, 508, "Insufficient Capacity", key);
      };
    }
    Allocation a = r.allocation().get();
    ports.started(a);
    byte[] tid = m.transactionId();
    return success(m, key, List.of(
        new StunAttribute(StunAttribute.XOR_RELAYED_ADDRESS, XorAddress.encode(new InetSocketAddress(relayAddress, a.relayPort()), tid)),
        new StunAttribute(StunAttribute.LIFETIME, u32((a.expiresAt() - now) / 1_000_000_000L)),
        new StunAttribute(StunAttribute.XOR_MAPPED_ADDRESS, XorAddress.encode(t.client(), tid))));
  }

  private byte[] refresh(FiveTuple t, StunMessage m, byte[] key, long now) {
    long lifetime = lifetime(m);
    Optional<Allocation> a = table.byClient(t, now);
    if (a.isEmpty()) {
      return error(m, 437, "Allocation Mismatch", key);
    }
    if (!a.get().ownedBy(username(m))) {
      return error(m, 441, "Wrong Credentials", key);
    }
    table.refresh(t, lifetime, now);
    if (lifetime <= 0) {
      ports.close(a.get().relayPort());
    }
    return success(m, key, List.of(new StunAttribute(StunAttribute.LIFETIME, u32(Math.max(0, lifetime) / 1_000_000_000L))));
  }

  private byte[] createPermission(FiveTuple t, StunMessage m, byte[] key, long now) {
    Optional<Allocation> a = table.byClient(t, now);
    if (a.isEmpty()) {
      return error(m, 437, "Allocation Mismatch", key);
    }
    if (!a.get().ownedBy(username(m))) {
      return error(m, 441, "Wrong Credentials", key);
    }
    List<InetSocketAddress> peersAsked = new ArrayList<>();
    for (StunAttribute at : m.attributes()) {
      if (at.type() == StunAttribute.XOR_PEER_ADDRESS) {
        try {
          peersAsked.add(XorAddress.decode(at.value(), m.transactionId()));
        } catch (StunException e) {
          return error(m, 400, "Bad Request", key);
        }
      }
    }
    if (peersAsked.isEmpty()) {
      return error(m, 400, "Bad Request", key);
    }
    for (InetSocketAddress p : peersAsked) {
      if (!sameFamily(p)) {
        return error(m, 443, "Peer Address Family Mismatch", key);
      }
      if (!peers.allowed(p.getAddress())) {
        return error(m, 403, "Forbidden", key);
      }
    }
    for (InetSocketAddress p : peersAsked) {
      if (!table.permit(a.get(), p.getAddress(), now)) {
        return error(m, 508, "Insufficient Capacity", key);
      }
    }
    return success(m, key, List.of());
  }

  private byte[] channelBind(FiveTuple t, StunMessage m, byte[] key, long now) {
    Optional<Allocation> a = table.byClient(t, now);
    if (a.isEmpty()) {
      return error(m, 437, "Allocation Mismatch", key);
    }
    if (!a.get().ownedBy(username(m))) {
      return error(m, 441, "Wrong Credentials", key);
    }
    Optional<StunAttribute> cn = m.attribute(StunAttribute.CHANNEL_NUMBER);
    Optional<StunAttribute> pa = m.attribute(StunAttribute.XOR_PEER_ADDRESS);
    if (cn.isEmpty() || pa.isEmpty() || cn.get().value().length != 4) {
      return error(m, 400, "Bad Request", key);
    }
    int channel = ((cn.get().value()[0] & 0xff) << 8) | (cn.get().value()[1] & 0xff);
    InetSocketAddress peer;
    try {
      peer = XorAddress.decode(pa.get().value(), m.transactionId());
    } catch (StunException e) {
      return error(m, 400, "Bad Request", key);
    }
    // RFC 8656 narrowed channels to 0x4000-0x4FFF; RFC 5766 clients (coturn's among them) still
    // pick from 0x4000-0x7FFF, which ChannelData's top bits (01) cover too: accept both.
    if (channel < 0x4000 || channel > 0x7FFF) {
      return error(m, 400, "Bad Request", key);
    }
    if (!sameFamily(peer)) {
      return error(m, 443, "Peer Address Family Mismatch", key);
    }
    if (!peers.allowed(peer.getAddress())) {
      return error(m, 403, "Forbidden", key);
    }
    switch (table.bindChannel(a.get(), channel, peer, now)) {
      case CONFLICT:
        return error(m, 400, "Bad Request", key);
      case FULL:
        return error(m, 508, "Insufficient Capacity", key);
      default:
        break;
    }
    return success(m, key, List.of());
  }

  private List<Action> send(FiveTuple t, StunMessage m, long now) {
    Optional<Allocation> a = table.byClient(t, now);
    Optional<StunAttribute> pa = m.attribute(StunAttribute.XOR_PEER_ADDRESS);
    Optional<StunAttribute> data = m.attribute(StunAttribute.DATA);
    if (a.isEmpty() || pa.isEmpty() || data.isEmpty()) {
      return dropped();
    }
    try {
      InetSocketAddress peer = XorAddress.decode(pa.get().value(), m.transactionId());
      if (!a.get().permitted(peer.getAddress(), now)) {
        return dropped();
      }
      counters.forwarded(RelayCounters.TO_PEER_PACKETS, data.get().value().length);
      return List.of(new Action.ToPeer(a.get(), peer, data.get().value()));
    } catch (StunException e) {
      return dropped();
    }
  }

  private List<Action> dropped() {
    counters.add(RelayCounters.DROPPED, 1);
    return List.of();
  }

  /** RFC 8656 §9.1: a relayed address reaches peers of its own family only (else 443). */
  private boolean sameFamily(InetSocketAddress peer) {
    return (peer.getAddress() instanceof java.net.Inet4Address) == (relayAddress instanceof java.net.Inet4Address);
  }

  /** Attributes this relay understands in TURN requests (RFC 8489 §14, RFC 8656 §18). */
  private static final java.util.Set<Integer> KNOWN = java.util.Set.of(
      StunAttribute.USERNAME, StunAttribute.MESSAGE_INTEGRITY, StunAttribute.MESSAGE_INTEGRITY_SHA256, StunAttribute.REALM,
      StunAttribute.NONCE, StunAttribute.REQUESTED_TRANSPORT, StunAttribute.LIFETIME, StunAttribute.XOR_PEER_ADDRESS,
      StunAttribute.CHANNEL_NUMBER, StunAttribute.DATA, StunAttribute.REQUESTED_ADDRESS_FAMILY, StunAttribute.EVEN_PORT);

  // ------------------------------------------------------------------ authentication

  private Optional<byte[]> authenticate(FiveTuple t, StunMessage m, long epochSeconds) {
    Optional<StunAttribute> user = m.attribute(StunAttribute.USERNAME);
    Optional<StunAttribute> nonce = m.attribute(StunAttribute.NONCE);
    Optional<StunAttribute> r = m.attribute(StunAttribute.REALM);
    if (user.isEmpty() || nonce.isEmpty() || r.isEmpty() || !nonceValid(str(nonce.get()), epochSeconds)) {
      return Optional.empty();
    }
    if (!str(r.get()).equals(realm)) {
      return Optional.empty();
    }
    Optional<byte[]> key = credentials.key(str(user.get()), epochSeconds);
    if (key.isEmpty() || !m.integrityValid(key.get())) {
      return Optional.empty();
    }
    return key;
  }

  /** 401 with a fresh nonce, or 438 when the request carried a nonce that has gone stale. */
  private byte[] challenge(StunMessage m, long epochSeconds) {
    Optional<StunAttribute> nonce = m.attribute(StunAttribute.NONCE);
    boolean stale = nonce.isPresent() && nonceMacValid(str(nonce.get())) && !nonceValid(str(nonce.get()), epochSeconds);
    int code = stale ? 438 : 401;
    counters.error(code);
    return StunMessage.of(StunClass.ERROR, m.method(), m.transactionId(), List.of(
        StunAttribute.errorCode(code, stale ? "Stale Nonce" : "Unauthorized"),
        new StunAttribute(StunAttribute.REALM, realm.getBytes(StandardCharsets.UTF_8)),
        new StunAttribute(StunAttribute.NONCE, nonce(epochSeconds + NONCE_SECONDS).getBytes(StandardCharsets.US_ASCII))))
        .encode(null, false, true);
  }

  String nonce(long expiry) {
    String e = Long.toHexString(expiry);
    return e + "-" + HexFormat.of().formatHex(hmac(e), 0, 12);
  }

  private boolean nonceMacValid(String n) {
    int dash = n.indexOf('-');
    if (dash <= 0 || dash > 16) {
      return false;
    }
    String e = n.substring(0, dash);
    byte[] expected = HexFormat.of().formatHex(hmac(e), 0, 12).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, n.substring(dash + 1).getBytes(StandardCharsets.US_ASCII));
  }

  private boolean nonceValid(String n, long epochSeconds) {
    if (!nonceMacValid(n)) {
      return false;
    }
    try {
      return Long.parseLong(n.substring(0, n.indexOf('-')), 16) >= epochSeconds;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private byte[] hmac(String s) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(nonceKey, "HmacSHA256"));
      return mac.doFinal(s.getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is mandatory in Java 17", e);
    }
  }

  // ------------------------------------------------------------------ encoding helpers

  private static long lifetime(StunMessage m) {
    return m.attribute(StunAttribute.LIFETIME)
        .filter(a -> a.value().length == 4)
        .map(a -> (((a.value()[0] & 0xffL) << 24) | ((a.value()[1] & 0xff) << 16) | ((a.value()[2] & 0xff) << 8) | (a.value()[3] & 0xff)) * 1_000_000_000L)
        .orElse(AllocationTable.DEFAULT_LIFETIME_NANOS);
  }

  private static String username(StunMessage m) {
    return m.attribute(StunAttribute.USERNAME).map(TurnService::str).orElse("");
  }

  private static String str(StunAttribute a) {
    return new String(a.value(), StandardCharsets.UTF_8);
  }

  private static byte[] u32(long v) {
    return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
  }

  private static byte[] success(StunMessage m, byte[] key, List<StunAttribute> attrs) {
    return StunMessage.of(StunClass.SUCCESS, m.method(), m.transactionId(), attrs).encode(key, false, true);
  }

  private byte[] error(StunMessage m, int code, String reason, byte[] key) {
    counters.error(code);
    return StunMessage.of(StunClass.ERROR, m.method(), m.transactionId(),
        List.of(StunAttribute.errorCode(code, reason))).encode(key, false, true);
  }
}
