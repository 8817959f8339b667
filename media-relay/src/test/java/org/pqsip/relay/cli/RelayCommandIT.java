package org.pqsip.relay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's contract: one 'relay ready' line on stdout, nothing else, and exit on SIGTERM. Fixed
 * ports 24790-24799: below Linux's ephemeral range (32768-60999), so no outgoing socket holds one.
 */
class RelayCommandIT {
  @TempDir
  Path dir;

  /** The relay as {@code ./pq relay} starts it (its JVM options included). */
  static Process start(String... args) throws Exception {
    return startWith(List.of("-XX:AutoBoxCacheMax=65535"), args);
  }

  static Process startWith(List<String> jvmOptions, String... args) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java));
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Relay.class.getName()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).start();
  }

  /** Reads the ready line, SIGTERMs the relay and checks that it exits with nothing more printed. */
  static String readyThenStop(Process p, ReadyCheck whileRunning) throws Exception {
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String ready = out.readLine(); // blocks until ready or exit
      whileRunning.check(ready);
      p.toHandle().destroy(); // SIGTERM, without closing our end of its output
      assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("exits within 10 s of SIGTERM").isTrue();
      assertThat(out.readLine()).as("nothing more is printed").isNull();
      return ready;
    } finally {
      p.destroyForcibly();
    }
  }

  interface ReadyCheck {
    void check(String readyLine) throws Exception;
  }

  static String failure(Process p) throws Exception {
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    return text;
  }

  @Test
  void withoutTheIntegerCacheOptionItWarnsOnceAtStart() throws Exception {
    Process p = startWith(List.of("-XX:AutoBoxCacheMax=127"), "--listen", "udp:127.0.0.1:24798", "--realm", "pq.test", "--auth-secret", "0123456789abcdef0123",
        "--relay-ports", "61700-61799");
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(out.readLine()).startsWith("pq relay: warning: start the JVM with -XX:AutoBoxCacheMax=65535");
      assertThat(out.readLine()).startsWith("relay ready udp:127.0.0.1:24798");
    } finally {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void printsReadyAndStopsOnSigterm() throws Exception {
    Process p = start("--listen", "udp:127.0.0.1:24790", "--realm", "pq.test", "--auth-secret", "0123456789abcdef0123",
        "--relay-ports", "61200-61299");
    assertThat(readyThenStop(p, ready -> {})).isEqualTo("relay ready udp:127.0.0.1:24790");
  }

  @Test
  void configFileSecretFileAndMetricsWithoutIdentities() throws Exception {
    Path secret = Files.writeString(dir.resolve("secret"), "0123456789abcdef0123\n");
    Path conf = Files.writeString(dir.resolve("relay.conf"), String.join("\n",
        "listen = udp:127.0.0.1:24791", "realm = pq.test", "auth-secret-file = " + secret,
        "relay-ports = 61300-61399", "threads = 2", "metrics = 127.0.0.1:0", "udp-buffer = 200000",
        "tls-handshake-threads = 1", ""));
    readyThenStop(start("--config", conf.toString()), ready -> {
      assertThat(ready).startsWith("relay ready udp:127.0.0.1:24791 metrics:127.0.0.1:");
      String body = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://" + ready.substring(ready.indexOf("metrics:") + 8) + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      assertThat(body).contains("pqrelay_allocations 0", "pqrelay_forwarded_packets_total{direction=\"to_peer\"} 0",
          "pqrelay_error_responses_total{code=\"401\"} 0", "pqrelay_rate_limited_requests_total 0",
          "pqrelay_internal_errors_total 0", "pqrelay_connections 0", "pqrelay_refused_connections_total 0");
      // granted in full: below net.core.rmem_max (212,992 by default); the JDK reports it without Linux's doubling
      assertThat(body).contains("pqrelay_udp_receive_buffer_bytes 200000");
      assertThat(body).contains("process_open_fds", "process_resident_memory_bytes", "jvm_memory_used_bytes{area=\"heap\"}");
      assertThat(body).doesNotContain("127.0.0.1").doesNotContain("24791");
    });
  }

  @Test
  void theShippedSampleConfigIsValid() throws Exception {
    Path secret = Files.writeString(dir.resolve("secret"), "0123456789abcdef0123\n");
    Process p = start("--config", "dist/relay.conf", "--listen", "udp:127.0.0.1:24792", "--relay-ip", "127.0.0.1",
        "--auth-secret-file", secret.toString(), "--metrics", "127.0.0.1:0", "--relay-ports", "61400-61499");
    assertThat(readyThenStop(p, ready -> {})).startsWith("relay ready udp:127.0.0.1:24792 metrics:");
  }

  @Test
  void unknownConfigSettingIsAClearError() throws Exception {
    Path conf = Files.writeString(dir.resolve("bad.conf"), "listen = udp:127.0.0.1:24793\nrelay-port = 1-2\n");
    assertThat(failure(start("--config", conf.toString()))).contains("unknown setting 'relay-port'");
  }

  @Test
  void udpIoModesStartOrSayWhyNot() throws Exception {
    for (String mode : List.of("plain", org.pqsip.relay.net.RelayServer.batchedUdpAvailable() ? "batched" : "auto")) {
      Process p = start("--listen", "udp:127.0.0.1:24796", "--realm", "pq.test", "--auth-secret", "0123456789abcdef0123",
          "--relay-ports", "61200-61299", "--udp-io", mode);
      assertThat(readyThenStop(p, ready -> {})).isEqualTo("relay ready udp:127.0.0.1:24796");
    }
    assertThat(failure(start("--listen", "udp:127.0.0.1:24797", "--realm", "r", "--auth-secret", "0123456789abcdef0123",
        "--udp-io", "fast"))).contains("--udp-io must be auto, batched or plain");
  }

  @Test
  void tlsWithoutCertificateIsAClearError() throws Exception {
    assertThat(failure(start("--listen", "tls:127.0.0.1:5349", "--realm", "r", "--auth-secret", "0123456789abcdef0123")))
        .contains("need --cert FILE and --key FILE");
  }

  @Test
  void udpTcpAndTlsListenersFromPemFiles() throws Exception {
    org.pqsip.relay.net.TestTls tls = org.pqsip.relay.net.TestTls.create(dir);
    Process p = start("--listen", "udp:127.0.0.1:24794,tcp:127.0.0.1:24794", "--listen", "tls:127.0.0.1:24795",
        "--cert", tls.cert.toString(), "--key", tls.key.toString(), "--realm", "pq.test",
        "--auth-secret", "0123456789abcdef0123", "--relay-ports", "61500-61599");
    assertThat(readyThenStop(p, ready -> {})).isEqualTo("relay ready udp:127.0.0.1:24794 tcp:127.0.0.1:24794 tls:127.0.0.1:24795");
  }

  @Test
  void unusableKeyFileIsAClearError() throws Exception {
    org.pqsip.relay.net.TestTls tls = org.pqsip.relay.net.TestTls.create(dir);
    Path notAKey = Files.writeString(dir.resolve("nokey.pem"), "hello\n");
    assertThat(failure(start("--listen", "tls:127.0.0.1:24796", "--cert", tls.cert.toString(), "--key", notAKey.toString(),
        "--realm", "r", "--auth-secret", "0123456789abcdef0123"))).contains("PKCS#8");
  }

  @Test
  void namesInsteadOfAddressesAreRefused() throws Exception {
    assertThat(failure(start("--listen", "udp:relay.example.net:3478", "--realm", "r", "--auth-secret", "0123456789abcdef0123")))
        .contains("literal IP address");
  }
}
