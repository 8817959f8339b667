package org.pqsip.relay.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.pqsip.relay.alloc.Allocation;
import org.pqsip.relay.alloc.AllocationTable;
import org.pqsip.relay.alloc.FiveTuple;
import org.pqsip.stun.RestCredentials;
import org.pqsip.stun.StunAttribute;
import org.pqsip.stun.StunClass;
import org.pqsip.stun.StunMessage;
import org.pqsip.stun.StunMethod;
import org.pqsip.stun.XorAddress;

/** A scripted TURN client against the sans-IO service: auth, allocation, permissions, data. */
class TurnServiceTest {
  static final long S = 1_000_000_000L;
  static final long EPOCH = 1_800_000_000L;
  static final String REALM = "pq.test";
  final byte[] secret = "a-shared-secret-of-32-bytes-....".getBytes(StandardCharsets.UTF_8);
  final RestCredentials creds = new RestCredentials(secret, REALM);
  final List<Integer> closed = new ArrayList<>();
  int nextPort = 50000;
  final TurnService.RelayPorts ports = new TurnService.RelayPorts() {
    @Override
    public OptionalInt open(boolean even) {
      nextPort += even && (nextPort & 1) != 0 ? 1 : 0;
      return OptionalInt.of(nextPort++);
    }

    @Override
    public void started(Allocation a) {}

    @Override
    public void close(int port) {
      closed.add(port);
    }
  };
  final InetSocketAddress server = addr("203.0.113.10", 3478);
  final AllocationTable table = new AllocationTable(10, 1);
  final RelayCounters counters = new RelayCounters();
  final TurnService turn = new TurnService(
      new TurnService.Settings(creds, REALM, "nonce-key".getBytes(StandardCharsets.UTF_8),
          new PeerPolicy(Set.of(server.getAddress()), List.of()), server.getAddress()),
      table, ports, counters, new SourceLimiter(5, new byte[16]));
  final DataPath dataPath = new DataPath(counters, 1);
  final FiveTuple client = new FiveTuple(addr("198.51.100.7", 40000), server, "udp");
  final InetSocketAddress peer = addr("198.51.100.200", 6000);

  static InetSocketAddress addr(String ip, int port) {
    try {
      return new InetSocketAddress(InetAddress.getByName(ip), port);
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  static byte[] tid() {
    byte[] t = new byte[12];
    new SecureRandom().nextBytes(t);
    return t;
  }

  StunMessage exchange(FiveTuple t, byte[] req, long now) throws Exception {
    List<TurnService.Action> out = turn.fromClient(t, req, 0, req.length, now, EPOCH + now / S);
    assertThat(out).hasSize(1);
    byte[] b = ((TurnService.Action.ToClient) out.get(0)).data();
    return StunMessage.decode(b, 0, b.length);
  }

  /** A peer's datagram through the forwarding path: the frame the client gets, or null when dropped. */
  byte[] fromPeer(InetSocketAddress from, byte[] payload, long now) {
    Allocation a = table.byRelayPort(50000, now).orElse(null);
    ByteBuffer buf = ByteBuffer.allocate(DataPath.BUFFER_SIZE);
    buf.position(DataPath.HEADROOM).put(payload).limit(buf.position());
    if (a == null || !dataPath.toClient(a, from, buf, false, now)) {
      return null;
    }
    return Arrays.copyOfRange(buf.array(), buf.position(), buf.limit());
  }

  /** ChannelData from the client through the forwarding path: the payload for the peer, or null. */
  byte[] channelData(byte[] frame, long now) {
    Allocation a = table.byClient(client, now).orElseThrow();
    ByteBuffer buf = ByteBuffer.wrap(frame);
    InetSocketAddress to = dataPath.toPeer(a, buf, now);
    return to == null ? null : Arrays.copyOfRange(frame, buf.position(), buf.limit());
  }

  static int code(StunMessage m) {
    byte[] ec = m.attribute(StunAttribute.ERROR_CODE).orElseThrow().value();
    return ec[2] * 100 + ec[3];
  }

  /** A request signed with the REST credential for {@code user}/{@code password}. */
  byte[] signed(int method, String user, String password, String nonce, List<StunAttribute> attrs) {
    List<StunAttribute> all = new ArrayList<>(attrs);
    all.add(new StunAttribute(StunAttribute.USERNAME, user.getBytes(StandardCharsets.UTF_8)));
    all.add(new StunAttribute(StunAttribute.REALM, REALM.getBytes(StandardCharsets.UTF_8)));
    all.add(new StunAttribute(StunAttribute.NONCE, nonce.getBytes(StandardCharsets.UTF_8)));
    byte[] key = RestCredentials.longTermKey(user, REALM, password);
    return StunMessage.of(StunClass.REQUEST, method, tid(), all).encode(key, false, true);
  }

  static final List<StunAttribute> UDP = List.of(new StunAttribute(StunAttribute.REQUESTED_TRANSPORT, new byte[] {17, 0, 0, 0}));

  String nonce() throws Exception {
    byte[] bare = StunMessage.of(StunClass.REQUEST, StunMethod.ALLOCATE, tid(), UDP).encode(null, false, true);
    StunMessage challenge = exchange(client, bare, 0);
    assertThat(code(challenge)).isEqualTo(401);
    assertThat(challenge.attribute(StunAttribute.REALM)).isPresent();
    return new String(challenge.attribute(StunAttribute.NONCE).orElseThrow().value(), StandardCharsets.US_ASCII);
  }

  StunMessage allocate(String nonce) throws Exception {
    String[] up = creds.mint(EPOCH + 600, "tok1");
    return exchange(client, signed(StunMethod.ALLOCATE, up[0], up[1], nonce, UDP), 0);
  }

  @Test
  void allocateAfterTheChallengeGivesARelayedAddress() throws Exception {
    StunMessage ok = allocate(nonce());
    assertThat(ok.messageClass()).isEqualTo(StunClass.SUCCESS);
    InetSocketAddress relayed = XorAddress.decode(ok.attribute(StunAttribute.XOR_RELAYED_ADDRESS).orElseThrow().value(), ok.transactionId());
    assertThat(relayed).isEqualTo(new InetSocketAddress(server.getAddress(), 50000));
    String[] up = creds.mint(EPOCH + 600, "tok1");
    assertThat(ok.integrityValid(RestCredentials.longTermKey(up[0], REALM, up[1]))).isTrue();
  }

  @Test
  void wrongPasswordExpiredUsernameAndStaleNonceAreRefused() throws Exception {
    String nonce = nonce();
    String[] up = creds.mint(EPOCH + 600, "tok1");
    assertThat(code(exchange(client, signed(StunMethod.ALLOCATE, up[0], "wrong", nonce, UDP), 0))).isEqualTo(401);
    String[] expired = creds.mint(EPOCH - 1, "tok1");
    assertThat(code(exchange(client, signed(StunMethod.ALLOCATE, expired[0], expired[1], nonce, UDP), 0))).isEqualTo(401);
    long later = (TurnService.NONCE_SECONDS + 10) * S;
    assertThat(code(exchange(client, signed(StunMethod.ALLOCATE, up[0], up[1], nonce, UDP), later))).isEqualTo(438);
    assertThat(code(exchange(client, signed(StunMethod.ALLOCATE, up[0], up[1], nonce + "0", UDP), 0))).isEqualTo(401);
  }

  @Test
  void tcpAllocationsQuotaAndMismatch() throws Exception {
    String nonce = nonce();
    String[] up = creds.mint(EPOCH + 600, "tok1");
    List<StunAttribute> tcp = List.of(new StunAttribute(StunAttribute.REQUESTED_TRANSPORT, new byte[] {6, 0, 0, 0}));
    assertThat(code(exchange(client, signed(StunMethod.ALLOCATE, up[0], up[1], nonce, tcp), 0))).isEqualTo(442);
    assertThat(allocate(nonce).messageClass()).isEqualTo(StunClass.SUCCESS);
    assertThat(code(allocate(nonce))).isEqualTo(437);
    FiveTuple other = new FiveTuple(addr("198.51.100.8", 40000), server, "udp");
    assertThat(code(exchange(other, signed(StunMethod.ALLOCATE, up[0], up[1], nonce, UDP), 0))).as("one per user").isEqualTo(486);
    assertThat(closed).as("the refused allocation's port is released").containsExactly(50001);
  }

  @Test
  void permissionsGuardDataBothWaysAndDeniedPeersGet403() throws Exception {
    String nonce = nonce();
    allocate(nonce);
    String[] up = creds.mint(EPOCH + 600, "tok1");
    byte[] t = tid();
    // Data before any permission goes nowhere.
    assertThat(fromPeer(peer, new byte[] {1, 2, 3}, S)).isNull();
    InetSocketAddress loopback = addr("127.0.0.1", 7000);
    assertThat(code(exchange(client, signed(StunMethod.CREATE_PERMISSION, up[0], up[1], nonce,
        List.of(new StunAttribute(StunAttribute.XOR_PEER_ADDRESS, XorAddress.encode(loopback, t)))), S))).isEqualTo(403);
    StunMessage perm = exchange(client, signed(StunMethod.CREATE_PERMISSION, up[0], up[1], nonce,
        List.of(new StunAttribute(StunAttribute.XOR_PEER_ADDRESS, XorAddress.encode(peer, t)))), S);
    assertThat(perm.messageClass()).isEqualTo(StunClass.SUCCESS);
    byte[] sendTid = tid();
    byte[] send = StunMessage.of(StunClass.INDICATION, StunMethod.SEND, sendTid, List.of(
        new StunAttribute(StunAttribute.XOR_PEER_ADDRESS, XorAddress.encode(peer, sendTid)),
        new StunAttribute(StunAttribute.DATA, new byte[] {9, 8, 7}))).encode(null, false, false);
    List<TurnService.Action> sent = turn.fromClient(client, send, 0, send.length, 2 * S, EPOCH);
    assertThat(sent).singleElement().isInstanceOfSatisfying(TurnService.Action.ToPeer.class, p -> {
      assertThat(p.allocation().relayPort()).isEqualTo(50000);
      assertThat(p.peer()).isEqualTo(peer);
      assertThat(p.data()).containsExactly(9, 8, 7);
    });
    byte[] di = fromPeer(peer, new byte[] {4, 5}, 3 * S);
    StunMessage data = StunMessage.decode(di, 0, di.length);
    assertThat(data.method()).isEqualTo(StunMethod.DATA);
    assertThat(data.messageClass()).isEqualTo(StunClass.INDICATION);
    assertThat(data.attribute(StunAttribute.DATA).orElseThrow().value()).containsExactly(4, 5);
    assertThat(XorAddress.decode(data.attribute(StunAttribute.XOR_PEER_ADDRESS).orElseThrow().value(), data.transactionId()))
        .isEqualTo(peer);
    // After 300 s without refresh the permission is gone.
    assertThat(fromPeer(peer, new byte[] {4, 5}, 302 * S)).isNull();
  }

  @Test
  void channelDataFastPathBothWays() throws Exception {
    String nonce = nonce();
    allocate(nonce);
    String[] up = creds.mint(EPOCH + 600, "tok1");
    byte[] t = tid();
    StunMessage bound = exchange(client, signed(StunMethod.CHANNEL_BIND, up[0], up[1], nonce, List.of(
        new StunAttribute(StunAttribute.CHANNEL_NUMBER, new byte[] {0x40, 0x01, 0, 0}),
        new StunAttribute(StunAttribute.XOR_PEER_ADDRESS, XorAddress.encode(peer, t)))), S);
    assertThat(bound.messageClass()).isEqualTo(StunClass.SUCCESS);
    byte[] cd = {0x40, 0x01, 0x00, 0x03, 7, 7, 7, 0};
    assertThat(channelData(cd, 2 * S)).containsExactly(7, 7, 7);
    assertThat(fromPeer(peer, new byte[] {1, 2, 3, 4, 5}, 3 * S)).containsExactly(0x40, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5);
    byte[] truncated = {0x40, 0x01, 0x00, 0x30, 1};
    assertThat(channelData(truncated, 4 * S)).isNull();
    assertThat(channelData(new byte[] {0x40, 0x02, 0x00, 0x01, 1}, 4 * S)).as("unbound channel").isNull();
    assertThat(channelData(new byte[] {0x40, 0x01}, 4 * S)).as("shorter than a header").isNull();
  }

  @Test
  void refreshToZeroReleasesThePortAndExpiryToo() throws Exception {
    String nonce = nonce();
    allocate(nonce);
    String[] up = creds.mint(EPOCH + 600, "tok1");
    StunMessage r = exchange(client, signed(StunMethod.REFRESH, up[0], up[1], nonce,
        List.of(new StunAttribute(StunAttribute.LIFETIME, new byte[] {0, 0, 0, 0}))), S);
    assertThat(r.messageClass()).isEqualTo(StunClass.SUCCESS);
    assertThat(closed).containsExactly(50000);
    allocate(nonce);
    turn.sweep(601 * S);
    assertThat(closed).containsExactly(50000, 50001);
  }

  @Test
  void garbageGetsNothing() {
    byte[] junk = {0x12, 0x34};
    assertThat(turn.fromClient(client, junk, 0, junk.length, 0, EPOCH)).isEmpty();
    assertThat(fromPeer(peer, junk, 0)).as("no allocation").isNull();
  }

  @Test
  void unknownComprehensionRequiredAttributesGet420AndIpv6RelaysGet440() throws Exception {
    String nonce = nonce();
    String[] up = creds.mint(EPOCH + 600, "tok1");
    List<StunAttribute> token = new ArrayList<>(UDP);
    token.add(new StunAttribute(0x0022, new byte[8])); // RESERVATION-TOKEN: not offered
    StunMessage r = exchange(client, signed(StunMethod.ALLOCATE, up[0], up[1], nonce, token), 0);
    assertThat(code(r)).isEqualTo(420);
    assertThat(r.attribute(StunAttribute.UNKNOWN_ATTRIBUTES).orElseThrow().value()).containsExactly(0x00, 0x22);
    assertThat(r.integrityValid(RestCredentials.longTermKey(up[0], REALM, up[1]))).as("signed like any answer").isTrue();
    List<StunAttribute> v6 = new ArrayList<>(UDP);
    v6.add(new StunAttribute(StunAttribute.REQUESTED_ADDRESS_FAMILY, new byte[] {2, 0, 0, 0}));
    assertThat(code(exchange(client, signed(StunMethod.ALLOCATE, up[0], up[1], nonce, v6), 0))).isEqualTo(440);
    List<StunAttribute> v4 = new ArrayList<>(UDP);
    v4.add(new StunAttribute(StunAttribute.REQUESTED_ADDRESS_FAMILY, new byte[] {1, 0, 0, 0}));
    assertThat(exchange(client, signed(StunMethod.ALLOCATE, up[0], up[1], nonce, v4), 0).messageClass()).isEqualTo(StunClass.SUCCESS);
  }

  @Test
  void evenPortGivesAnEvenPortAndAReservationRequestGets508() throws Exception {
    String nonce = nonce();
    String[] up = creds.mint(EPOCH + 600, "tok1");
    List<StunAttribute> reserve = new ArrayList<>(UDP);
    reserve.add(new StunAttribute(StunAttribute.EVEN_PORT, new byte[] {(byte) 0x80}));
    assertThat(code(exchange(client, signed(StunMethod.ALLOCATE, up[0], up[1], nonce, reserve), 0))).isEqualTo(508);
    nextPort = 50001;
    List<StunAttribute> even = new ArrayList<>(UDP);
    even.add(new StunAttribute(StunAttribute.EVEN_PORT, new byte[] {0}));
    StunMessage ok = exchange(client, signed(StunMethod.ALLOCATE, up[0], up[1], nonce, even), 0);
    assertThat(ok.messageClass()).isEqualTo(StunClass.SUCCESS);
    assertThat(XorAddress.decode(ok.attribute(StunAttribute.XOR_RELAYED_ADDRESS).orElseThrow().value(), ok.transactionId()).getPort())
        .isEqualTo(50002);
  }

  @Test
  void requestsOnAnAllocationWithAnotherUsernameGet441() throws Exception {
    String nonce = nonce();
    allocate(nonce);
    String[] other = creds.mint(EPOCH + 600, "tok2");
    byte[] t = tid();
    StunMessage r = exchange(client, signed(StunMethod.CREATE_PERMISSION, other[0], other[1], nonce,
        List.of(new StunAttribute(StunAttribute.XOR_PEER_ADDRESS, XorAddress.encode(peer, t)))), S);
    assertThat(code(r)).isEqualTo(441);
    assertThat(counters.errors(441)).isEqualTo(1);
  }

  @Test
  void permissionsPerAllocationAreBounded() throws Exception {
    String nonce = nonce();
    allocate(nonce);
    String[] up = creds.mint(EPOCH + 600, "tok1");
    for (int i = 0; i < Allocation.MAX_PERMISSIONS; i++) {
      InetSocketAddress p = addr("198.51.100." + (10 + i), 6000);
      assertThat(exchange(client, signed(StunMethod.CREATE_PERMISSION, up[0], up[1], nonce,
          List.of(new StunAttribute(StunAttribute.XOR_PEER_ADDRESS, XorAddress.encode(p, tid())))), S).messageClass())
          .isEqualTo(StunClass.SUCCESS);
    }
    StunMessage full = exchange(client, signed(StunMethod.CREATE_PERMISSION, up[0], up[1], nonce,
        List.of(new StunAttribute(StunAttribute.XOR_PEER_ADDRESS, XorAddress.encode(addr("203.0.113.99", 1), tid())))), S);
    assertThat(code(full)).isEqualTo(508);
  }

  @Test
  void unauthenticatedRequestsAreRateLimitedPerSource() throws Exception {
    byte[] bare = StunMessage.of(StunClass.REQUEST, StunMethod.ALLOCATE, tid(), UDP).encode(null, false, true);
    int answered = 0;
    for (int i = 0; i < 50; i++) {
      answered += turn.fromClient(client, bare, 0, bare.length, 0, EPOCH).size();
    }
    assertThat(answered).as("burst of 2 x 5/s").isEqualTo(10);
    assertThat(counters.get(RelayCounters.RATE_LIMITED)).isEqualTo(40);
    FiveTuple other = new FiveTuple(addr("203.0.113.50", 40000), server, "udp");
    assertThat(turn.fromClient(other, bare, 0, bare.length, 0, EPOCH)).as("another source has its own bucket").hasSize(1);
    assertThat(turn.fromClient(client, bare, 0, bare.length, S, EPOCH)).as("refilled after a second").hasSize(1);
  }

  @Test
  void peersOfTheOtherAddressFamilyGet443() throws Exception {
    String nonce = nonce();
    allocate(nonce);
    String[] up = creds.mint(EPOCH + 600, "tok1");
    InetSocketAddress v6 = addr("2001:db8::7", 5004);
    byte[] t = tid();
    assertThat(code(exchange(client, signed(StunMethod.CREATE_PERMISSION, up[0], up[1], nonce,
        List.of(new StunAttribute(StunAttribute.XOR_PEER_ADDRESS, XorAddress.encode(v6, t)))), S))).isEqualTo(443);
    assertThat(counters.errors(443)).isEqualTo(1);
  }

  @Test
  void dataIndicationCarriesAnIpv6PeerAddress() throws Exception {
    allocate(nonce());
    Allocation a = table.byClient(client, 0).orElseThrow();
    InetSocketAddress v6 = addr("2001:db8::7", 5004);
    table.permit(a, v6.getAddress(), 0);
    byte[] di = fromPeer(v6, new byte[] {1, 2, 3}, S);
    StunMessage m = StunMessage.decode(di, 0, di.length);
    assertThat(XorAddress.decode(m.attribute(StunAttribute.XOR_PEER_ADDRESS).orElseThrow().value(), m.transactionId())).isEqualTo(v6);
    assertThat(m.attribute(StunAttribute.DATA).orElseThrow().value()).containsExactly(1, 2, 3);
  }
}
