package org.pqsip.relay.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.pqsip.relay.auth.RestCredentials;
import org.pqsip.relay.proto.StunAttribute;
import org.pqsip.relay.proto.StunClass;
import org.pqsip.relay.proto.StunMessage;
import org.pqsip.relay.proto.StunMethod;

/**
 * The relay's promise: nothing per allocation or packet is logged at any level. Every logger is
 * set to ALL and stdout/stderr are captured while allocations are made and data relayed; the
 * output must contain none of the addresses, ports or usernames used.
 */
class RelayPrivacyIT {
  @Test
  void mostVerboseLoggingRevealsNoAddressesPortsOrUsernames() throws Exception {
    Logger root = Logger.getLogger("");
    Level before = root.getLevel();
    StringBuilder logged = new StringBuilder();
    Handler capture = new Handler() {
      @Override public void publish(LogRecord r) {
        logged.append(r.getLoggerName()).append(' ').append(r.getMessage()).append('\n');
      }
      @Override public void flush() {}
      @Override public void close() {}
    };
    capture.setLevel(Level.ALL);
    root.setLevel(Level.ALL);
    root.addHandler(capture);
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    System.setOut(new PrintStream(console, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(console, true, StandardCharsets.UTF_8));
    String user;
    int clientPort;
    int relayPort;
    try {
      InetAddress lo = InetAddress.getLoopbackAddress();
      UdpTurnServer.Config cfg = new UdpTurnServer.Config(
          new InetSocketAddress(lo, 0), lo, 61100, 61199, "pq.test", UdpTurnServerIT.SECRET, List.of("127.0.0.0/8"), 100, 10);
      try (UdpTurnServer server = UdpTurnServer.start(cfg);
          DatagramSocket client = new DatagramSocket(new InetSocketAddress(lo, 0))) {
        client.setSoTimeout(5000);
        clientPort = client.getLocalPort();
        relayPort = server.localAddress().getPort();
        List<StunAttribute> udp = List.of(new StunAttribute(StunAttribute.REQUESTED_TRANSPORT, new byte[] {17, 0, 0, 0}));
        StunMessage ch = UdpTurnServerIT.ask(client, server.localAddress(),
            StunMessage.of(StunClass.REQUEST, StunMethod.ALLOCATE, UdpTurnServerIT.tid(), udp).encode(null, false, true));
        byte[] nonce = ch.attribute(StunAttribute.NONCE).orElseThrow().value();
        String[] up = new RestCredentials(UdpTurnServerIT.SECRET, "pq.test").mint(System.currentTimeMillis() / 1000 + 600, "privacy-token-xyz");
        user = up[0];
        byte[] key = RestCredentials.longTermKey(up[0], "pq.test", up[1]);
        StunMessage ok = UdpTurnServerIT.ask(client, server.localAddress(), UdpTurnServerIT.signed(StunMethod.ALLOCATE, udp, up[0], nonce, key));
        assertThat(ok.messageClass()).isEqualTo(StunClass.SUCCESS);
        byte[] junk = {0x40, 0x00, 0x7f, 0x7f, 1};
        client.send(new DatagramPacket(junk, junk.length, server.localAddress())); // bad input too
        UdpTurnServerIT.ask(client, server.localAddress(), UdpTurnServerIT.signed(StunMethod.ALLOCATE, udp, up[0], nonce, key)); // 437
      }
    } finally {
      System.setOut(out);
      System.setErr(err);
      root.removeHandler(capture);
      root.setLevel(before);
    }
    String all = logged + console.toString(StandardCharsets.UTF_8);
    assertThat(all).doesNotContain("127.0.0.1").doesNotContain("localhost")
        .doesNotContain(String.valueOf(clientPort)).doesNotContain(String.valueOf(relayPort))
        .doesNotContain(user).doesNotContain("privacy-token-xyz");
  }
}
