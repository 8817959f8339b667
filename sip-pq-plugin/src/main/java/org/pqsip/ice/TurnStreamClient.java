package org.pqsip.ice;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
import org.pqsip.stun.StreamFraming;
import org.pqsip.stun.StunAttribute;
import org.pqsip.stun.StunClass;
import org.pqsip.stun.StunException;
import org.pqsip.stun.StunMessage;
import org.pqsip.stun.StunMethod;
import org.pqsip.stun.XorAddress;

/**
 * A TURN client that reaches the relay over TCP or TLS (RFC 8656 §12.5 framing: STUN messages
 * and ChannelData padded to four bytes on one byte stream) for a UDP relayed address, for
 * networks that block UDP. ice4j's TURN harvester cannot do this (its Allocate over TCP asks for
 * nothing else than a plain socket), so this is ours, on the codec the relay itself uses.
 *
 * <p>One allocation per client. Sending to a peer binds a channel first (ChannelBind, which also
 * installs the permission): the relay handles a connection's frames in order, so ChannelData
 * written right after the ChannelBind request is relayed once the binding exists, without waiting
 * for the answer. Allocation, permissions and channels are refreshed every two minutes (nonce
 * renewals answered with 438 are retried once). Received datagrams (ChannelData or Data
 * indications) go to the {@link Receiver} on the client's reader thread.
 */
public final class TurnStreamClient implements AutoCloseable {
  /** Datagrams from peers, on the reader thread; the buffer is reused after return. */
  public interface Receiver {
    void datagram(InetSocketAddress from, byte[] data, int offset, int length);

    /** The connection is gone: nothing more will come. */
    void closed();
  }

  private static final int MAX_FRAME = 4 + 0xffff + 3;
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

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final String username;
  private final String realm;
  private final byte[] key;
  private final InetSocketAddress relayed;
  private final Receiver receiver;
  private final Map<InetSocketAddress, Integer> channels = new ConcurrentHashMap<>();
  private final Map<Integer, InetSocketAddress> peers = new ConcurrentHashMap<>();
  /** Requests sent and not answered yet, for the one retry after a stale nonce. */
  private final Map<ByteBuffer, Runnable> retries = new ConcurrentHashMap<>();
  private final byte[] frame = new byte[MAX_FRAME];
  private final byte[] readBuf = new byte[2 * MAX_FRAME];
  private final ByteBuffer readView = ByteBuffer.wrap(readBuf);
  private volatile byte[] nonce;
  private int nextChannel = FIRST_CHANNEL;
  private ScheduledFuture<?> refresh;
  private Thread reader;
  private volatile boolean closed;

  private TurnStreamClient(Socket socket, String username, String realm, byte[] key, byte[] nonce,
      InetSocketAddress relayed, Receiver receiver) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
    this.username = username;
    this.realm = realm;
    this.key = key;
    this.nonce = nonce;
    this.relayed = relayed;
    this.receiver = receiver;
  }

  /**
   * Connects to {@code relay} (TCP, or TLS through {@code tls}, checking the relay's certificate
   * names its literal address) and allocates a UDP relayed address with REST credentials
   * ({@code username}, {@code password}); everything within {@code timeout}.
   */
  public static TurnStreamClient allocate(RelayUri relay, Optional<SSLSocketFactory> tls, String username, String password,
      Duration timeout, Receiver receiver) throws IOException {
    if (relay.transport().equals("udp")) {
      throw new IllegalArgumentException("a stream client needs a tcp or tls relay");
    }
    int ms = (int) Math.max(1, timeout.toMillis());
    Socket s = new Socket();
    try {
      s.connect(relay.address(), ms);
      s.setTcpNoDelay(true);
      s.setSoTimeout(ms);
      if (relay.transport().equals("tls")) {
        SSLSocket ssl = (SSLSocket) tls.orElseThrow(() -> new IOException("no TLS settings for a tls relay"))
            .createSocket(s, relay.address().getAddress().getHostAddress(), relay.address().getPort(), true);
        SSLParameters p = ssl.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the relay's address
        ssl.setSSLParameters(p);
        ssl.startHandshake();
        s = ssl;
      }
      return handshake(s, username, password, receiver);
    } catch (SocketTimeoutException e) {
      s.close();
      throw new IOException("relay did not answer within " + ms + " ms");
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  private static TurnStreamClient handshake(Socket s, String username, String password, Receiver receiver) throws IOException {
    Exchange x = new Exchange(s);
    StunMessage challenge = x.ask(StunMessage.of(StunClass.REQUEST, StunMethod.ALLOCATE, tid(), UDP).encode(null, false, true));
    Optional<StunAttribute> realmAttr = challenge.attribute(StunAttribute.REALM);
    Optional<StunAttribute> nonceAttr = challenge.attribute(StunAttribute.NONCE);
    if (challenge.messageClass() != StunClass.ERROR || realmAttr.isEmpty() || nonceAttr.isEmpty()) {
      throw new IOException("relay did not challenge the Allocate (" + errorOf(challenge) + ")");
    }
    String realm = new String(realmAttr.get().value(), StandardCharsets.UTF_8);
    byte[] key = RestCredentials.longTermKey(username, realm, password);
    byte[] tid = tid();
    StunMessage ok = x.ask(signed(StunMethod.ALLOCATE, tid, UDP, username, realm, nonceAttr.get().value(), key));
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
    s.setSoTimeout(0);
    TurnStreamClient c = new TurnStreamClient(s, username, realm, key, nonceAttr.get().value(), relayed, receiver);
    c.reader = new Thread(c::readLoop, "pqsip-turn-stream");
    c.reader.setDaemon(true);
    c.reader.start();
    c.refresh = REFRESHER.scheduleAtFixedRate(c::refreshAll, REFRESH_SECONDS, REFRESH_SECONDS, TimeUnit.SECONDS);
    return c;
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
    write(msg, 0, msg.length);
  }

  private void sendRefresh(int lifetime) throws IOException {
    byte[] t = tid();
    byte[] msg = signed(StunMethod.REFRESH, t, List.of(new StunAttribute(StunAttribute.LIFETIME,
        new byte[] {(byte) (lifetime >>> 24), (byte) (lifetime >>> 16), (byte) (lifetime >>> 8), (byte) lifetime})),
        username, realm, nonce, key);
    if (lifetime > 0) {
      retries.put(ByteBuffer.wrap(t), () -> quietly(() -> sendRefresh(lifetime)));
    }
    write(msg, 0, msg.length);
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
    synchronized (out) {
      out.write(b, off, len);
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
    int start = 0;
    int end = 0;
    try {
      while (!closed) {
        int n = in.read(readBuf, end, readBuf.length - end);
        if (n < 0) {
          return;
        }
        end += n;
        while (true) {
          int f = StreamFraming.frameLength(readView, start, end, MAX_FRAME);
          if (f == StreamFraming.INCOMPLETE) {
            break;
          }
          if (f == StreamFraming.INVALID) {
            return; // not TURN: drop the connection, the candidate fails and ICE moves on
          }
          frame(start, f);
          start += f;
        }
        if (start == end) {
          start = end = 0;
        } else if (readBuf.length - end < MAX_FRAME) {
          System.arraycopy(readBuf, start, readBuf, 0, end - start);
          end -= start;
          start = 0;
        }
      }
    } catch (IOException e) {
      return; // connection gone (closed by us, or by the network)
    } finally {
      closeQuietly();
    }
  }

  private void frame(int at, int length) {
    if ((readBuf[at] & 0xc0) == 0x40) {
      int channel = ((readBuf[at] & 0xff) << 8) | (readBuf[at + 1] & 0xff);
      int len = ((readBuf[at + 2] & 0xff) << 8) | (readBuf[at + 3] & 0xff);
      InetSocketAddress from = peers.get(channel);
      if (from != null) {
        receiver.datagram(from, readBuf, at + 4, len);
      }
      return;
    }
    StunMessage m;
    try {
      m = StunMessage.decode(readBuf, at, length);
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
    Runnable retry = retries.remove(ByteBuffer.wrap(m.transactionId()));
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
    receiver.closed();
    try {
      socket.close();
    } catch (IOException e) {
      return; // closing: nothing left to do
    }
  }

  /** Whether the connection is gone. */
  public boolean isClosed() {
    return closed;
  }

  /** Request and answer before the reader thread runs: the Allocate exchange. */
  private static final class Exchange {
    private final InputStream in;
    private final OutputStream out;
    private final byte[] buf = new byte[MAX_FRAME];

    Exchange(Socket s) throws IOException {
      this.in = s.getInputStream();
      this.out = s.getOutputStream();
    }

    StunMessage ask(byte[] request) throws IOException {
      out.write(request);
      readFully(0, StunMessage.HEADER);
      if ((buf[0] & 0xc0) != 0) {
        throw new IOException("relay answered the Allocate with something that is not STUN");
      }
      int len = ((buf[2] & 0xff) << 8) | (buf[3] & 0xff);
      if ((len & 3) != 0 || StunMessage.HEADER + len > StunMessage.MAX_LENGTH) {
        throw new IOException("relay answered with a malformed STUN message");
      }
      readFully(StunMessage.HEADER, len);
      try {
        return StunMessage.decode(buf, 0, StunMessage.HEADER + len);
      } catch (StunException e) {
        throw new IOException("relay answered with a malformed STUN message", e);
      }
    }

    private void readFully(int off, int len) throws IOException {
      int done = 0;
      while (done < len) {
        int n = in.read(buf, off + done, len - done);
        if (n < 0) {
          throw new IOException("relay closed the connection");
        }
        done += n;
      }
    }
  }
}
