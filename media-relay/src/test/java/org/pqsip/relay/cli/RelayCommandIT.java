package org.pqsip.relay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The operator's contract: one 'relay ready' line on stdout, nothing else, and exit on SIGTERM. */
class RelayCommandIT {
  @Test
  void printsReadyAndStopsOnSigterm() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"), Relay.class.getName(),
        "--listen", "udp:127.0.0.1:34790", "--realm", "pq.test", "--auth-secret", "0123456789abcdef0123",
        "--relay-ports", "61200-61299")).redirectErrorStream(true).start();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(out.readLine()).isEqualTo("relay ready udp:127.0.0.1:34790"); // blocks until ready or exit
      p.toHandle().destroy(); // SIGTERM, without closing our end of its output
      assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("exits within 10 s of SIGTERM").isTrue();
      assertThat(out.readLine()).as("nothing more is printed").isNull();
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void unsupportedListenerIsAClearError() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"), Relay.class.getName(),
        "--listen", "tls:127.0.0.1:5349", "--realm", "r", "--auth-secret", "0123456789abcdef0123"))
        .redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(text).contains("not implemented yet");
  }
}
