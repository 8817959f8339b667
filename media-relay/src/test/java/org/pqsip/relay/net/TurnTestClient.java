package org.pqsip.relay.net;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.pqsip.stun.RestCredentials;
import org.pqsip.stun.StunAttribute;
import org.pqsip.stun.StunClass;
import org.pqsip.stun.StunException;
import org.pqsip.stun.StunMessage;
import org.pqsip.stun.StunMethod;
import org.pqsip.stun.XorAddress;

/** A small real TURN client over a UDP socket or a TCP connection on loopback, for the relay's ITs. */
final class TurnTestClient implements AutoCloseable {
  static final String REALM = "pq.test";
  static final byte[] SECRET = "a-shared-secret-for-the-relay-it".getBytes(StandardCharsets.UTF_8);
  static final List<StunAttribute> UDP = List.of(new StunAttribute(StunAttribute.REQUESTED_TRANSPORT, new byte[] {17, 0, 0, 0}));

  final DatagramSocket socket;
  final InetSocketAddress server;
  private final java.net.Socket tcp;
  String username;
  private byte[] key;
  private byte[] nonce;

  TurnTestClient(InetSocketAddress server) throws IOException {
    this(server, InetAddress.getLoopbackAddress());
  }

  /** A UDP client from {@code local} (another loopback address is another source to the relay). */
  TurnTestClient(InetSocketAddress server, InetAddress local) throws IOException {
    this.server = server;
    this.socket = new DatagramSocket(new InetSocketAddress(local, 0));
    socket.setSoTimeout(5000);
    this.tcp = null;
  }

  /** A client on a TCP connection to {@code server} (RFC 8656 §12.5 framing). */
  static TurnTestClient overTcp(InetSocketAddress server) throws IOException {
    return overTcp(server, InetAddress.getLoopbackAddress());
  }

  static TurnTestClient overTcp(InetSocketAddress server, InetAddress local) throws IOException {
    return new TurnTestClient(server, new java.net.Socket(server.getAddress(), server.getPort(), local, 0));
  }

  /** A client on a TLS connection to {@code server}, trusting what {@code tls} trusts. */
  static TurnTestClient overTls(InetSocketAddress server, javax.net.ssl.SSLContext tls) throws IOException {
    return overTls(server, tls, InetAddress.getLoopbackAddress());
  }

  static TurnTestClient overTls(InetSocketAddress server, javax.net.ssl.SSLContext tls, InetAddress local) throws IOException {
    javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) tls.getSocketFactory()
        .createSocket(server.getAddress(), server.getPort(), local, 0);
    s.startHandshake();
    return new TurnTestClient(server, s);
  }

  private TurnTestClient(InetSocketAddress server, java.net.Socket tcp) throws IOException {
    this.server = server;
    this.socket = null;
    this.tcp = tcp;
    tcp.setSoTimeout(5000);
  }

  static byte[] tid() {
    byte[] t = new byte[12];
    new SecureRandom().nextBytes(t);
    return t;
  }

  byte[] receive() throws IOException {
    if (tcp != null) {
      java.io.DataInputStream in = new java.io.DataInputStream(tcp.getInputStream());
      byte[] head = new byte[4];
      in.readFully(head);
      int len = ((head[2] & 0xff) << 8) | (head[3] & 0xff);
      boolean channelData = (head[0] & 0xc0) == 0x40;
      int rest = channelData ? (len + 3) & ~3 : StunMessage.HEADER - 4 + len;
      byte[] frame = Arrays.copyOf(head, 4 + rest);
      in.readFully(frame, 4, rest);
      return channelData ? Arrays.copyOf(frame, 4 + len) : frame; // without ChannelData padding
    }
    byte[] buf = new byte[70000];
    DatagramPacket p = new DatagramPacket(buf, buf.length);
    socket.receive(p);
    return Arrays.copyOf(buf, p.getLength());
  }

  void sendRaw(byte[] b) throws IOException {
    if (tcp != null) {
      tcp.getOutputStream().write(b);
    } else {
      socket.send(new DatagramPacket(b, b.length, server));
    }
  }

  /** Whether the relay closed our TCP connection (end of stream within the read timeout). */
  boolean closedByRelay() throws IOException {
    try {
      return tcp.getInputStream().read() < 0;
    } catch (java.net.SocketException e) {
      return true; // reset
    }
  }

  StunMessage ask(byte[] req) throws IOException, StunException {
    sendRaw(req);
    byte[] r = receive();
    return StunMessage.decode(r, 0, r.length);
  }

  /** Allocate with the 401 challenge first, as RFC 8656 clients do; returns the relayed address. */
  InetSocketAddress allocate(String token) throws IOException, StunException {
    StunMessage challenge = ask(StunMessage.of(StunClass.REQUEST, StunMethod.ALLOCATE, tid(), UDP).encode(null, false, true));
    nonce = challenge.attribute(StunAttribute.NONCE).orElseThrow().value();
    String[] up = new RestCredentials(SECRET, REALM).mint(System.currentTimeMillis() / 1000 + 600, token);
    username = up[0];
    key = RestCredentials.longTermKey(up[0], REALM, up[1]);
    StunMessage ok = request(StunMethod.ALLOCATE, tid(), UDP);
    if (ok.messageClass() != StunClass.SUCCESS) {
      throw new IOException("allocate refused: " + Arrays.toString(ok.attribute(StunAttribute.ERROR_CODE).orElseThrow().value()));
    }
    return XorAddress.decode(ok.attribute(StunAttribute.XOR_RELAYED_ADDRESS).orElseThrow().value(), ok.transactionId());
  }

  StunMessage request(int method, byte[] tid, List<StunAttribute> attrs) throws IOException, StunException {
    return ask(signed(method, tid, attrs));
  }

  byte[] signed(int method, byte[] tid, List<StunAttribute> attrs) {
    List<StunAttribute> all = new ArrayList<>(attrs);
    all.add(new StunAttribute(StunAttribute.USERNAME, username.getBytes(StandardCharsets.UTF_8)));
    all.add(new StunAttribute(StunAttribute.REALM, REALM.getBytes(StandardCharsets.UTF_8)));
    all.add(new StunAttribute(StunAttribute.NONCE, nonce));
    return StunMessage.of(StunClass.REQUEST, method, tid, all).encode(key, false, true);
  }

  StunMessage channelBind(int channel, InetSocketAddress peer) throws IOException, StunException {
    byte[] t = tid();
    return request(StunMethod.CHANNEL_BIND, t, List.of(
        new StunAttribute(StunAttribute.CHANNEL_NUMBER, new byte[] {(byte) (channel >>> 8), (byte) channel, 0, 0}),
        new StunAttribute(StunAttribute.XOR_PEER_ADDRESS, XorAddress.encode(peer, t))));
  }

  StunMessage createPermission(InetSocketAddress peer) throws IOException, StunException {
    byte[] t = tid();
    return request(StunMethod.CREATE_PERMISSION, t, List.of(new StunAttribute(StunAttribute.XOR_PEER_ADDRESS, XorAddress.encode(peer, t))));
  }

  StunMessage refresh(int seconds) throws IOException, StunException {
    return request(StunMethod.REFRESH, tid(), List.of(new StunAttribute(StunAttribute.LIFETIME,
        new byte[] {(byte) (seconds >>> 24), (byte) (seconds >>> 16), (byte) (seconds >>> 8), (byte) seconds})));
  }

  void channelData(int channel, byte[] payload) throws IOException {
    byte[] cd = new byte[4 + (tcp != null ? (payload.length + 3) & ~3 : payload.length)]; // padded on streams
    cd[0] = (byte) (channel >>> 8);
    cd[1] = (byte) channel;
    cd[2] = (byte) (payload.length >>> 8);
    cd[3] = (byte) payload.length;
    System.arraycopy(payload, 0, cd, 4, payload.length);
    sendRaw(cd);
  }

  void sendIndication(InetSocketAddress peer, byte[] payload) throws IOException {
    byte[] t = tid();
    sendRaw(StunMessage.of(StunClass.INDICATION, StunMethod.SEND, t, List.of(
        new StunAttribute(StunAttribute.XOR_PEER_ADDRESS, XorAddress.encode(peer, t)),
        new StunAttribute(StunAttribute.DATA, payload))).encode(null, false, false));
  }

  @Override
  public void close() throws IOException {
    if (tcp != null) {
      tcp.close();
    } else {
      socket.close();
    }
  }
}
