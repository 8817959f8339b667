package org.pqsip.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pqsip.media.Wav;
import org.pqsip.sip.SipTls;
import org.pqsip.sip.TestCertificate;
import org.pqsip.testing.ToneCheck;

/**
 * linphone 5.1 (Debian's linphone-cli, headless) and our phone, plain RTP and SDES (over SIP/TLS),
 * both ways; the SDES call to linphone goes through kamailio as its registrar. Both run
 * in a network namespace the test creates with only loopback, so linphone puts 127.0.0.1 in its
 * SDP (it would use its default-route or an IPv6 address otherwise); our phone runs there as
 * {@code ./pq phone} would, in a process of its own. linphone plays an 880 Hz WAV and records
 * what it hears; our phone sends its 440 Hz tone and counts what it receives.
 */
@Tag("external")
class LinphoneIT {
  static final Duration T = Duration.ofSeconds(30);
  static final int LINPHONE_SIP = 5192;

  @TempDir Path dir;
  private String ns;
  private final List<ExternalProcess> started = new ArrayList<>();

  @BeforeEach
  void namespace() throws Exception {
    ns = "pqlin" + ProcessHandle.current().pid();
    run("ip", "netns", "add", ns);
    run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (ExternalProcess p : started) {
      p.close(); // by handle: the processes this test started
    }
    run("ip", "netns", "del", ns);
  }

  /**
   * linphone's network monitor wants an interface other than lo with a default route: without
   * one it declares the network down a few seconds in and drops its SIP connections (and a call
   * with them). That matters when it keeps a registration connection open; calls on loopback
   * alone do without. A veth pair with both ends in the namespace (the kernel here has no dummy
   * interfaces) and a documentation address keeps every packet in the namespace.
   */
  private void giveLinphoneANetwork() throws Exception {
    run("ip", "netns", "exec", ns, "ip", "link", "add", "pq0", "type", "veth", "peer", "name", "pq1");
    run("ip", "netns", "exec", ns, "ip", "link", "set", "pq1", "up");
    run("ip", "netns", "exec", ns, "ip", "addr", "add", "198.51.100.10/24", "dev", "pq0");
    run("ip", "netns", "exec", ns, "ip", "link", "set", "pq0", "up");
    run("ip", "netns", "exec", ns, "ip", "route", "add", "default", "dev", "pq0");
  }

  private static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
    }
  }

  private ExternalProcess linphone(boolean autoAnswer) throws Exception {
    return linphone(autoAnswer, List.of("sip_port=" + LINPHONE_SIP, "sip_tcp_port=" + LINPHONE_SIP));
  }

  /**
   * linphone with these extra {@code [sip]} settings (which may go on into further sections, such
   * as a {@code [proxy_0]}); no proxy unless they name a {@code default_proxy}.
   */
  private ExternalProcess linphone(boolean autoAnswer, List<String> sip) throws Exception {
    ExternalProcess p = Linphone.start(dir, List.of("ip", "netns", "exec", ns), autoAnswer, sip).process;
    started.add(p);
    return p;
  }

  private ExternalProcess phone(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, "java",
        "-cp", System.getProperty("java.class.path"), "org.pqsip.phone.Phone",
        "--state-dir", dir.resolve("phone-state").toString(), "--json", "--tone", "440"));
    cmd.addAll(List.of(args));
    ExternalProcess p = ExternalProcess.start("pq-phone", cmd);
    started.add(p);
    return p;
  }

  private Path tone880() throws Exception {
    return Baresip.toneWav(dir.resolve("tone880.wav"), 880);
  }

  @Test
  void ourPhoneCallsLinphoneAndBothHearEachOther() throws Exception {
    ExternalProcess lin = linphone(true);
    Path heard = dir.resolve("linphone-heard.wav");
    ExternalProcess phone = phone("--sip", "tcp:127.0.0.1:5190", "--user", "sip:alice@pq.test", "--policy", "prefer",
        "--media", "127.0.0.1:41400-41499", "--duration", "5s",
        "--call", "sip:linphone@127.0.0.1:" + LINPHONE_SIP + ";transport=tcp");
    String established = phone.awaitLine("\"event\":\"established\"", T);
    assertThat(established).contains("\"security\":\"none\"");
    playAndRecord(lin, heard);
    phone.awaitLine("\"event\":\"ended\"", T);
    bothHeardEachOther(phone, lin, heard);
  }

  @Test
  void requirePolicyCallingLinphoneIsRefusedAndSaysWhy() throws Exception {
    linphone(true);
    ExternalProcess phone = phone("--sip", "tcp:127.0.0.1:5196", "--user", "sip:alice@pq.test", "--policy", "require",
        "--media", "127.0.0.1:41600-41699", "--call", "sip:linphone@127.0.0.1:" + LINPHONE_SIP + ";transport=tcp");
    String refused = phone.awaitLine("\"reason\":\"refused\"", T);
    assertThat(refused).contains("\"event\":\"error\"").containsPattern("call refused: 4\\d\\d");
    assertThat(refused).doesNotContain("\"event\":\"established\"");
    assertThat(phone.waitForExit(T)).isZero();
  }

  /**
   * SDES needs TLS signalling: linphone (media_encryption=srtp) calls our phone over SIP/TLS,
   * checking our certificate chain against the test authority. (linphone's own name check,
   * verify_server_cn, fails for certificates that name an IP address, which is what a namespace
   * without DNS gives us; the chain check stays on.)
   */
  @Test
  void linphoneCallsOurPhoneWithSdesOverTls() throws Exception {
    SipTls tls = TestCertificate.create(dir);
    ExternalProcess phone = phone("--sip", "tls:127.0.0.1:5198", "--tls-cert", tls.certificate().toString(),
        "--tls-key", tls.privateKey().toString(), "--tls-ca", tls.certificate().toString(), "--user", "sip:bob@pq.test",
        "--policy", "prefer", "--sdes", "--media", "127.0.0.1:41700-41799", "--auto-answer", "--duration", "4s",
        "--exit-after", "1");
    phone.awaitLine("\"event\":\"ready\"", T);
    ExternalProcess lin = linphone(false, List.of("sip_port=-1", "sip_tcp_port=-1", "sip_tls_port=-1",
        "root_ca=" + tls.certificate(), "verify_server_certs=1", "verify_server_cn=0", "media_encryption=srtp"));
    Path heard = dir.resolve("linphone-heard.wav");
    lin.send("call sip:bob@127.0.0.1:5198;transport=tls");
    playAndRecord(lin, heard);
    String established = phone.awaitLine("\"event\":\"established\"", T);
    assertThat(established).contains("\"security\":\"sdes\"");
    phone.awaitLine("\"reason\":\"local-hangup\"", T);
    // linphone's first few packets, sent as it sets up its SRTP session, do not authenticate (2
    // RTP and 3 RTCP here); every packet after them does: the count must not grow with the call.
    assertThat(phone.output()).doesNotContainPattern("\"authFailures\":([6-9]|\\d\\d)");
    bothHeardEachOther(phone, lin, heard);
  }

  /**
   * The other direction with SDES: linphone cannot accept TLS connections without a server
   * certificate of its own, which is how it is deployed: it registers with its PBX over TLS and
   * gets its calls over that connection. Here kamailio's tls module is the PBX: linphone
   * (media_encryption=srtp) registers as linphone@pq.test, our phone calls that address of
   * record through kamailio over TLS, and kamailio delivers the INVITE over linphone's own
   * registration connection (the Contact it registered is that connection's port).
   */
  @Test
  void ourPhoneCallsLinphoneWithSdesThroughKamailioOverTls() throws Exception {
    giveLinphoneANetwork();
    SipTls tls = TestCertificate.create(dir);
    int proxyPort = 5201;
    Path cfg = dir.resolve("kamailio.cfg");
    Files.writeString(cfg, KamailioConfig.tlsConfig(proxyPort, KamailioConfig.tlsModuleConfig(dir, tls)));
    ExternalProcess kamailio = ExternalProcess.start("kamailio", List.of("ip", "netns", "exec", ns,
        "kamailio", "-DD", "-E", "-f", cfg.toString(), "-Y", dir.toString(), "-w", dir.toString()));
    started.add(kamailio);
    kamailio.await(o -> o.contains("tls: 127.0.0.1:" + proxyPort), T, "kamailio listening on TLS");
    String proxy = "<sip:127.0.0.1:" + proxyPort + ";transport=tls>";
    ExternalProcess lin = linphone(true, List.of("sip_port=-1", "sip_tcp_port=-1", "sip_tls_port=-1",
        "root_ca=" + tls.certificate(), "verify_server_certs=1", "verify_server_cn=0", "media_encryption=srtp",
        "media_encryption_mandatory=1", "default_proxy=0", "[proxy_0]", "reg_proxy=" + proxy, "reg_route=" + proxy,
        "reg_identity=sip:linphone@pq.test", "reg_expires=600", "reg_sendregister=1"));
    kamailio.awaitLine(KamailioConfig.REGISTERED, T);
    Path heard = dir.resolve("linphone-heard.wav");
    ExternalProcess phone = phone("--sip", "tls:127.0.0.1:5202", "--tls-cert", tls.certificate().toString(),
        "--tls-key", tls.privateKey().toString(), "--tls-ca", tls.certificate().toString(), "--user", "sip:alice@pq.test",
        "--policy", "prefer", "--sdes", "--media", "127.0.0.1:41800-41899", "--duration", "5s",
        "--proxy", "127.0.0.1:" + proxyPort + "/tls", "--call", "sip:linphone@pq.test");
    String established = phone.awaitLine("\"event\":\"established\"", T);
    assertThat(established).contains("\"security\":\"sdes\"");
    playAndRecord(lin, heard);
    phone.awaitLine("\"event\":\"ended\"", T);
    assertThat(phone.output()).doesNotContainPattern("\"authFailures\":([6-9]|\\d\\d)");
    bothHeardEachOther(phone, lin, heard);
  }

  @Test
  void linphoneCallsOurPhoneAndDurationCountsFromEstablished() throws Exception {
    ExternalProcess phone = phone("--sip", "tcp:127.0.0.1:5194", "--user", "sip:bob@pq.test", "--policy", "prefer",
        "--media", "127.0.0.1:41500-41599", "--auto-answer", "--duration", "4s", "--exit-after", "1");
    phone.awaitLine("\"event\":\"ready\"", T);
    ExternalProcess lin = linphone(false);
    Path heard = dir.resolve("linphone-heard.wav");
    lin.send("call sip:bob@127.0.0.1:5194;transport=tcp");
    playAndRecord(lin, heard);
    assertThat(phone.awaitLine("\"event\":\"established\"", T)).contains("\"role\":\"callee\"");
    phone.awaitLine("\"reason\":\"local-hangup\"", T); // our callee hangs up: --duration 4s
    bothHeardEachOther(phone, lin, heard);
  }

  /** Once linphone's call is connected: it plays its 880 Hz tone and records what it hears. */
  private void playAndRecord(ExternalProcess lin, Path heard) throws Exception {
    lin.awaitLine("connected", T);
    lin.send("play " + tone880());
    lin.send("record " + heard);
  }

  /** The call is over: our phone received linphone's audio and linphone recorded our tone. */
  private static void bothHeardEachOther(ExternalProcess phone, ExternalProcess lin, Path heard) throws Exception {
    assertThat(phone.waitForExit(T)).isZero();
    assertThat(phone.output()).doesNotContain("\"event\":\"error\"");
    assertThat(PhoneOutput.lastPacketsReceived(phone.output())).as("linphone -> our phone").isGreaterThan(50);
    lin.awaitLine("ended", T);
    lin.send("quit"); // linphone completes the recording's WAV header as it closes it
    lin.waitForExit(T);
    assertThat(ToneCheck.dominates(Wav.read(heard), 440)).as("linphone hears our 440 Hz tone").isTrue();
  }
}
