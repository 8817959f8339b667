package org.pqsip.relay.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.pqsip.stun.StunClass;
import org.pqsip.stun.StunMethod;

/**
 * The relay's promise: nothing per allocation or packet is logged at any level. Every logger is
 * set to ALL and stdout/stderr are captured while allocations are made and data relayed; the
 * output must contain none of the addresses, ports or usernames used.
 */
class RelayPrivacyIT {
  @org.junit.jupiter.api.io.TempDir
  java.nio.file.Path dir;

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
    int tlsPort;
    TestTls tls = TestTls.create(dir);
    try {
      try (RelayServer server = RelayServer.start(RelayServerIT.config(61100, 61199, 2, tls.server()));
          TurnTestClient client = new TurnTestClient(server.udpAddresses().get(0));
          DatagramSocket peer = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
        peer.setSoTimeout(5000);
        clientPort = client.socket.getLocalPort();
        relayPort = server.udpAddresses().get(0).getPort();
        InetSocketAddress relayed = client.allocate("privacy-token-xyz");
        user = client.username;
        client.channelBind(0x4000, (InetSocketAddress) peer.getLocalSocketAddress());
        client.channelData(0x4000, new byte[] {1, 2, 3});
        peer.receive(new DatagramPacket(new byte[10], 10));
        peer.send(new DatagramPacket(new byte[] {4}, 1, relayed));
        client.receive();
        client.sendRaw(new byte[] {0x40, 0x00, 0x7f, 0x7f, 1}); // bad input too
        assertThat(client.ask(client.signed(StunMethod.ALLOCATE, TurnTestClient.tid(), TurnTestClient.UDP)).messageClass())
            .isEqualTo(StunClass.ERROR); // 437
        client.refresh(0);
        try (TurnTestClient overTls = TurnTestClient.overTls(server.tlsAddresses().get(0), tls.client())) {
          overTls.allocate("privacy-token-xyz");
          tlsPort = server.tlsAddresses().get(0).getPort();
        }
      }
    } finally {
      System.setOut(out);
      System.setErr(err);
      root.removeHandler(capture);
      root.setLevel(before);
    }
    String all = logged + console.toString(StandardCharsets.UTF_8);
    assertThat(all).doesNotContain("127.0.0.1").doesNotContain("localhost")
        .doesNotContain(String.valueOf(clientPort)).doesNotContain(String.valueOf(relayPort)).doesNotContain(String.valueOf(tlsPort))
        .doesNotContain(user).doesNotContain("privacy-token-xyz");
  }
}
