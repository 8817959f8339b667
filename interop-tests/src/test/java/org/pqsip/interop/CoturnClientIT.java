package org.pqsip.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pqsip.relay.net.TestTls;
import java.nio.file.Path;
import org.pqsip.relay.net.RelayServer;

/**
 * coturn's own TURN client, {@code turnutils_uclient} (Debian package), against our relay over
 * UDP, TCP and TLS: REST-secret credentials, channels, 172-byte messages every 20 ms to coturn's
 * echo peer {@code turnutils_peer}; every message must come back.
 */
@Tag("external")
class CoturnClientIT {
  static final String SECRET = "coturn-client-interop-secret-0123";
  static final int PEER_PORT = 34810;
  static RelayServer relay;
  static ExternalProcess peer;

  @BeforeAll
  static void start(@TempDir Path dir) throws Exception {
    InetAddress lo = InetAddress.getLoopbackAddress();
    List<InetSocketAddress> any = List.of(new InetSocketAddress(lo, 0));
    relay = RelayServer.start(new RelayServer.Config(any, any, any, TestTls.create(dir).server(), lo,
        61800, 61899, "pq.test", SECRET.getBytes(StandardCharsets.UTF_8), List.of("127.0.0.0/8"), 100, 100, 2, 100, RelayServer.batchedUdpAvailable()));
    peer = ExternalProcess.start("turnutils_peer", List.of("turnutils_peer", "-L", "127.0.0.1", "-p", String.valueOf(PEER_PORT)));
  }

  @AfterAll
  static void stop() throws Exception {
    peer.close();
    relay.close();
  }

  static String uclient(String transport, int port) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("turnutils_uclient", "-m", "4", "-n", "50", "-l", "172", "-z", "20", "-c",
        "-e", "127.0.0.1", "-r", String.valueOf(PEER_PORT), "-W", SECRET, "-u", "interop", "-p", String.valueOf(port)));
    if (!transport.equals("udp")) {
      cmd.add("-t");
    }
    if (transport.equals("tls")) {
      cmd.add("-S");
    }
    cmd.add("127.0.0.1");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("uclient finishes").isTrue();
      return out;
    } finally {
      p.destroyForcibly();
    }
  }

  static void assertEverythingCameBack(String out) {
    Matcher recv = Pattern.compile("tot_recv_msgs=(\\d+)").matcher(out);
    long received = 0;
    while (recv.find()) {
      received = Long.parseLong(recv.group(1));
    }
    assertThat(received).as("messages echoed back through the relay:\n" + out).isEqualTo(200);
    assertThat(out).contains("Total lost packets 0 (0.000000%)");
  }

  @Test
  void udpClientRelaysEveryMessage() throws Exception {
    assertEverythingCameBack(uclient("udp", relay.udpAddresses().get(0).getPort()));
  }

  @Test
  void tcpClientRelaysEveryMessage() throws Exception {
    assertEverythingCameBack(uclient("tcp", relay.tcpAddresses().get(0).getPort()));
  }

  @Test
  void tlsClientRelaysEveryMessage() throws Exception {
    assertEverythingCameBack(uclient("tls", relay.tlsAddresses().get(0).getPort()));
  }
}
