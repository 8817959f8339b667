package org.pqsip.ice;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.pqsip.stun.RestCredentials;
import org.pqsip.stun.StunAttribute;
import org.pqsip.stun.StunClass;
import org.pqsip.stun.StunException;
import org.pqsip.stun.StunMessage;
import org.pqsip.stun.StunMethod;
import org.pqsip.stun.XorAddress;

/**
 * Our TURN client (RFC 8656), on the codec the relay itself uses, for a UDP relayed address
 * reached over UDP, TCP or TLS ({@link TurnWire}). ice4j's own TURN harvester is not used: over
 * TCP it asks for nothing but a plain socket, and over UDP it answers a refused CreatePermission
 * (a relay that denies a peer, such as its own relayed addresses or a private host candidate) by
 * asking again at once, thousands of times a second, for as long as a check to that peer is
 * queued.
 *
 * <p>One allocation per client. Sending to a peer binds a channel first (ChannelBind, which also
 * installs the permission): ChannelData written right after the ChannelBind request is relayed
 * once the binding exists (over a stream the relay handles frames in order; over UDP a lost
 * binding is retransmitted and the datagrams before it are lost, as datagrams may be). A refused
 * binding is not asked again until the next refresh. Allocation, permissions and channels are
 * refreshed every two minutes (nonce renewals answered with 438 are retried once); over UDP
 * unanswered requests are sent again every 500 ms, at most six times. Received datagrams
 * (ChannelData or Data indications) go to the {@link Receiver} on the client's reader thread.
 */
public final class TurnClient implements AutoCloseable {
  /** Datagrams from peers, on the reader thread; the buffer is reused after return. */
  public interface Receiver {
    void datagram(InetSocketAddress from, byte[] data, int offset, int length);

    /** The connection is gone: nothing more will come. */
    void closed();
  }

  private static final int MAX_FRAME = TurnWire.MAX_FRAME;
  private static final long RETRANSMIT_MILLIS = 500;
  private static final int MAX_TRANSMISSIONS = 7;
  private static final int FIRST_CHANNEL = 0x4000;
  private static final int LAST_CHANNEL = 0x4ffe;
  private static final long REFRESH_SECONDS = 120;
  private static final List<StunAttribute> UDP =
      List.of(new StunAttribute(StunAttribute.REQUESTED_TRANSPORT, new byte[] {17, 0, 0, 0}));
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final ScheduledExecutorService REFRESHER = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "pqsip-turn-refresh");
    t.setDaemon(true);
    return t;
  });

  private final TurnWire wire;
  private final String username;
  private final String realm;
  private final byte[] key;
  private final InetSocketAddress relayed;
  private final Receiver receiver;
  private final Map<InetSocketAddress, Integer> channels = new ConcurrentHashMap<>();
  private final Map<Integer, InetSocketAddress> peers = new ConcurrentHashMap<>();
  /** Requests sent and not answered yet, for the one retry after a stale nonce. */
  private final Map<ByteBuffer, Runnable> retries = new ConcurrentHashMap<>();
  /** Over UDP: requests not answered yet and how often each was sent. */
  private final Map<ByteBuffer, Unanswered> unanswered = new ConcurrentHashMap<>();
  private final byte[] frame = new byte[MAX_FRAME];
  private final byte[] readBuf = new byte[MAX_FRAME];
  private volatile byte[] nonce;
  private int nextChannel = FIRST_CHANNEL;
  private ScheduledFuture<?> refresh;
  private ScheduledFuture<?> retransmit;
  private Thread reader;
  private volatile boolean closed;

  private record Unanswered(byte[] message, int sent) {}

  private TurnClient(TurnWire wire, String username, String realm, byte[] key, byte[] nonce,
      InetSocketAddress relayed, Receiver receiver) {
    this.wire = wire;
    this.username = username;
    this.realm = realm;
    this.key = key;
    this.nonce = nonce;
    this.relayed = relayed;
    this.receiver = receiver;
  }

  /**
   * Allocates a UDP relayed address on {@code relay} with REST credentials ({@code username},
   * {@code password}), everything within {@code timeout}: over UDP from a socket of its own on
   * {@code local}, or over TCP, or TLS through {@code tls} (the relay's certificate must name its
   * literal address).
   */
  public static TurnClient allocate(RelayUri relay, Optional<SSLSocketFactory> tls, InetAddress local, String username,
      String password, Duration timeout, Receiver receiver) throws IOException {
    int ms = (int) Math.max(1, timeout.toMillis());
    long deadline = System.nanoTime() + ms * 1_000_000L;
    TurnWire wire = null;
    try {
      wire = relay.transport().equals("udp") ? new TurnDatagramWire(local, relay.address()) : stream(relay, tls, ms);
      return handshake(wire, username, password, deadline, receiver);
    } catch (IOException | RuntimeException e) {
      if (wire != null) {
        wire.close();
      }
      if (e instanceof SocketTimeoutException) {
        throw new IOException("relay did not answer within " + ms + " ms");
      }
      throw e;
    }
  }

  private static TurnWire stream(RelayUri relay, Optional<SSLSocketFactory> tls, int ms) throws IOException {
    Socket s = new Socket();
    try {
      s.connect(relay.address(), ms);
      s.setTcpNoDelay(true);
      if (relay.transport().equals("tls")) {
        s.setSoTimeout(ms);
        SSLSocket ssl = (SSLSocket) tls.orElseThrow(() -> new IOException("no TLS settings for a tls relay"))
            .createSocket(s, relay.address().getAddress().getHostAddress(), relay.address().getPort(), true);
        SSLParameters p = ssl.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the relay's address
        ssl.setSSLParameters(p);
        ssl.startHandshake();
        s = ssl;
      }
      return new TurnStreamWire(s);
    } catch (IOException | RuntimeException e) { // a timeout is worded by allocate
      s.close();
      throw e;
    }
  }

  private static TurnClient handshake(TurnWire wire, String username, String password, long deadline, Receiver receiver)
      throws IOException {
    byte[] buf = new byte[MAX_FRAME];
    StunMessage challenge = ask(wire, StunMessage.of(StunClass.REQUEST, StunMethod.ALLOCATE, tid(), UDP)
        .encode(null, false, true), deadline, buf);
    Optional<StunAttribute> realmAttr = challenge.attribute(StunAttribute.REALM);
    Optional<StunAttribute> nonceAttr = challenge.attribute(StunAttribute.NONCE);
    if (challenge.messageClass() != StunClass.ERROR || realmAttr.isEmpty() || nonceAttr.isEmpty()) {
      throw new IOException("relay did not challenge the Allocate (" + errorOf(challenge) + ")");
    }
    String realm = new String(realmAttr.get().value(), StandardCharsets.UTF_8);
    byte[] key = RestCredentials.longTermKey(username, realm, password);
    byte[] tid = tid();
    StunMessage ok = ask(wire, signed(StunMethod.ALLOCATE, tid, UDP, username, realm, nonceAttr.get().value(), key),
        deadline, buf);
    if (ok.messageClass() != StunClass.SUCCESS || !ok.integrityValid(key)) {
      throw new IOException("relay refused the allocation (" + errorOf(ok) + ")");
    }
    InetSocketAddress relayed;
    try {
      relayed = XorAddress.decode(ok.attribute(StunAttribute.XOR_RELAYED_ADDRESS)
          .orElseThrow(() -> new IOException("allocation without XOR-RELAYED-ADDRESS")).value(), ok.transactionId());
    } catch (StunException e) {
      throw new IOException("allocation with a malformed XOR-RELAYED-ADDRESS", e);
    }
    wire.readTimeout(0);
    TurnClient c = new TurnClient(wire, username, realm, key, nonceAttr.get().value(), relayed, receiver);
    c.reader = new Thread(c::readLoop, "pqsip-turn");
    c.reader.setDaemon(true);
    c.reader.start();
    c.refresh = REFRESHER.scheduleAtFixedRate(c::refreshAll, REFRESH_SECONDS, REFRESH_SECONDS, TimeUnit.SECONDS);
    if (!wire.reliable()) {
      c.retransmit = REFRESHER.scheduleAtFixedRate(c::retransmit, RETRANSMIT_MILLIS, RETRANSMIT_MILLIS, TimeUnit.MILLISECONDS);
    }
    return c;
  }

  /**
   * A request and its answer before the reader thread runs (the Allocate exchange): over UDP the
   * request goes again after 500 ms, 1 s, 2 s, … until {@code deadline}; other messages are ignored.
   */
  private static StunMessage ask(TurnWire wire, byte[] request, long deadline, byte[] buf) throws IOException {
    byte[] tid = java.util.Arrays.copyOfRange(request, 8, StunMessage.HEADER);
    long rto = RETRANSMIT_MILLIS;
    wire.write(request, 0, request.length);
    long nextSend = System.nanoTime() + rto * 1_000_000L;
    while (true) {
      long now = System.nanoTime();
      long until = wire.reliable() ? deadline : Math.min(deadline, nextSend);
      if (now >= deadline) {
        throw new SocketTimeoutException("no answer");
      }
      if (now >= until) {
        rto *= 2;
        nextSend = now + rto * 1_000_000L;
        wire.write(request, 0, request.length);
        continue;
      }
      wire.readTimeout((int) Math.max(1, (until - now) / 1_000_000));
      int n;
      try {
        n = wire.read(buf);
      } catch (SocketTimeoutException e) {
        continue; // the loop decides: send again or give up
      }
      if ((buf[0] & 0xc0) != 0) {
        continue; // ChannelData before the allocation exists: not for us
      }
      StunMessage m;
      try {
        m = StunMessage.decode(buf, 0, n);
      } catch (StunException e) {
        if (wire.reliable()) {
          throw new IOException("relay answered with a malformed STUN message", e);
        }
        continue; // a damaged datagram: wait for the retransmission's answer
      }
      if (java.util.Arrays.equals(m.transactionId(), tid)) {
        return m;
      }
    }
  }

  /** The UDP address the relay gave us: our relayed candidate. */
  public InetSocketAddress relayed() {
    return relayed;
  }

  /** Sends a datagram to {@code peer} through the relay (ChannelData; the first one binds the channel). */
  public void send(InetSocketAddress peer, byte[] data, int offset, int length) throws IOException {
    if (closed) {
      throw new IOException("TURN connection closed");
    }
    if (length > 0xffff) {
      throw new IOException("datagram too long for TURN: " + length);
    }
    synchronized (frame) {
      Integer channel = channels.get(peer);
      if (channel == null) {
        channel = bind(peer);
      }
      if (channel < 0) {
        write(indication(peer, data, offset, length)); // no channel left: a Send indication
        return;
      }
      frame[0] = (byte) (channel >>> 8);
      frame[1] = (byte) (int) channel;
      frame[2] = (byte) (length >>> 8);
      frame[3] = (byte) length;
      System.arraycopy(data, offset, frame, 4, length);
      int padded = (length + 3) & ~3;
      for (int i = 4 + length; i < 4 + padded; i++) {
        frame[i] = 0;
      }
      write(frame, 0, 4 + padded); // one write: one TLS record
    }
  }

  /** A new channel for {@code peer}, its ChannelBind written; -1 when every channel is taken. */
  private int bind(InetSocketAddress peer) throws IOException {
    if (nextChannel > LAST_CHANNEL) {
      channels.put(peer, -1);
      return -1;
    }
    int channel = nextChannel++;
    channels.put(peer, channel);
    peers.put(channel, peer);
    sendChannelBind(channel, peer);
    return channel;
  }

  private void sendChannelBind(int channel, InetSocketAddress peer) throws IOException {
    byte[] t = tid();
    byte[] msg = signed(StunMethod.CHANNEL_BIND, t, List.of(
        new StunAttribute(StunAttribute.CHANNEL_NUMBER, new byte[] {(byte) (channel >>> 8), (byte) channel, 0, 0}),
        new StunAttribute(StunAttribute.XOR_PEER_ADDRESS, XorAddress.encode(peer, t))), username, realm, nonce, key);
    retries.put(ByteBuffer.wrap(t), () -> quietly(() -> sendChannelBind(channel, peer)));
    request(t, msg);
  }

  private void sendRefresh(int lifetime) throws IOException {
    byte[] t = tid();
    byte[] msg = signed(StunMethod.REFRESH, t, List.of(new StunAttribute(StunAttribute.LIFETIME,
        new byte[] {(byte) (lifetime >>> 24), (byte) (lifetime >>> 16), (byte) (lifetime >>> 8), (byte) lifetime})),
        username, realm, nonce, key);
    if (lifetime > 0) {
      retries.put(ByteBuffer.wrap(t), () -> quietly(() -> sendRefresh(lifetime)));
      request(t, msg);
    } else {
      write(msg, 0, msg.length); // the last word: not retransmitted, the allocation expires anyway
    }
  }

  private static byte[] indication(InetSocketAddress peer, byte[] data, int offset, int length) {
    byte[] t = tid();
    byte[] payload = java.util.Arrays.copyOfRange(data, offset, offset + length);
    return StunMessage.of(StunClass.INDICATION, StunMethod.SEND, t, List.of(
        new StunAttribute(StunAttribute.XOR_PEER_ADDRESS, XorAddress.encode(peer, t)),
        new StunAttribute(StunAttribute.DATA, payload))).encode(null, false, false);
  }

  private void write(byte[] b) throws IOException {
    write(b, 0, b.length);
  }

  private void write(byte[] b, int off, int len) throws IOException {
    synchronized (wire) {
      wire.write(b, off, len);
    }
  }

  /** A request: over UDP it is remembered until answered, for {@link #retransmit}. */
  private void request(byte[] tid, byte[] msg) throws IOException {
    if (!wire.reliable()) {
      unanswered.put(ByteBuffer.wrap(tid), new Unanswered(msg, 1));
    }
    write(msg, 0, msg.length);
  }

  /** Over UDP, every 500 ms: unanswered requests go again, up to seven sendings each. */
  private void retransmit() {
    for (Map.Entry<ByteBuffer, Unanswered> e : unanswered.entrySet()) {
      Unanswered u = e.getValue();
      if (u.sent() >= MAX_TRANSMISSIONS) {
        unanswered.remove(e.getKey());
        retries.remove(e.getKey());
      } else if (unanswered.replace(e.getKey(), u, new Unanswered(u.message(), u.sent() + 1))) {
        quietly(() -> write(u.message(), 0, u.message().length));
      }
    }
  }

  /** Keeps the allocation, permissions and channels alive (each lasts at least five minutes). */
  private void refreshAll() {
    if (closed) {
      return;
    }
    quietly(() -> sendRefresh(600));
    for (Map.Entry<Integer, InetSocketAddress> e : peers.entrySet()) {
      quietly(() -> sendChannelBind(e.getKey(), e.getValue()));
    }
  }

  private void readLoop() {
    try {
      while (!closed) {
        int n = wire.read(readBuf);
        received(readBuf, n);
      }
    } catch (IOException e) {
      return; // connection gone (closed by us, or by the network)
    } finally {
      closeQuietly();
    }
  }

  /** One message or frame from the relay, at the start of {@code b}. */
  private void received(byte[] b, int length) {
    if (length >= 4 && (b[0] & 0xc0) == 0x40) {
      int channel = ((b[0] & 0xff) << 8) | (b[1] & 0xff);
      int len = ((b[2] & 0xff) << 8) | (b[3] & 0xff);
      InetSocketAddress from = peers.get(channel);
      if (from != null && 4 + len <= length) {
        receiver.datagram(from, b, 4, len);
      }
      return;
    }
    StunMessage m;
    try {
      m = StunMessage.decode(b, 0, length);
    } catch (StunException e) {
      return; // a malformed message from the relay is dropped, as on UDP
    }
    if (m.messageClass() == StunClass.INDICATION && m.method() == StunMethod.DATA) {
      Optional<StunAttribute> peer = m.attribute(StunAttribute.XOR_PEER_ADDRESS);
      Optional<StunAttribute> data = m.attribute(StunAttribute.DATA);
      if (peer.isPresent() && data.isPresent()) {
        try {
          byte[] d = data.get().value();
          receiver.datagram(XorAddress.decode(peer.get().value(), m.transactionId()), d, 0, d.length);
        } catch (StunException e) {
          return; // unreadable peer address: dropped
        }
      }
      return;
    }
    ByteBuffer tid = ByteBuffer.wrap(m.transactionId());
    unanswered.remove(tid);
    Runnable retry = retries.remove(tid);
    if (retry != null && m.messageClass() == StunClass.ERROR && errorOf(m) == 438) {
      m.attribute(StunAttribute.NONCE).ifPresent(n -> {
        nonce = n.value();
        retry.run();
      });
    }
  }

  private static int errorOf(StunMessage m) {
    return m.attribute(StunAttribute.ERROR_CODE).map(StunAttribute::value)
        .filter(v -> v.length >= 4).map(v -> (v[2] & 7) * 100 + (v[3] & 0xff)).orElse(0);
  }

  private static byte[] signed(int method, byte[] tid, List<StunAttribute> attrs, String username, String realm,
      byte[] nonce, byte[] key) {
    List<StunAttribute> all = new ArrayList<>(attrs);
    all.add(new StunAttribute(StunAttribute.USERNAME, username.getBytes(StandardCharsets.UTF_8)));
    all.add(new StunAttribute(StunAttribute.REALM, realm.getBytes(StandardCharsets.UTF_8)));
    all.add(new StunAttribute(StunAttribute.NONCE, nonce));
    return StunMessage.of(StunClass.REQUEST, method, tid, all).encode(key, false, true);
  }

  private static byte[] tid() {
    byte[] t = new byte[12];
    RANDOM.nextBytes(t);
    return t;
  }

  private interface IoStep {
    void run() throws IOException;
  }

  /** For refreshes: a write that fails means the connection is gone, which the reader sees. */
  private static void quietly(IoStep step) {
    try {
      step.run();
    } catch (IOException e) {
      return; // the reader thread ends the client when the connection is gone
    }
  }

  /** Ends the allocation (Refresh with lifetime 0) and the connection. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    quietly(() -> sendRefresh(0));
    closeQuietly();
  }

  private void closeQuietly() {
    closed = true;
    if (refresh != null) {
      refresh.cancel(false);
    }
    if (retransmit != null) {
      retransmit.cancel(false);
    }
    receiver.closed();
    try {
      wire.close();
    } catch (IOException e) {
      return; // closing: nothing left to do
    }
  }

  /** Whether the connection is gone. */
  public boolean isClosed() {
    return closed;
  }
}
