package org.pqsip.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pqsip.keying.Policy;
import org.pqsip.sip.EventLog;
import org.pqsip.sip.SipTls;
import org.pqsip.sip.TestCertificate;
import org.pqsip.sip.TestPhone;
import org.pqsip.testing.ToneCheck;
import org.pqsip.media.Wav;

/** A PQ call routed through a real SIP proxy: kamailio 5.6 (Debian package), over TCP. */
@Tag("external")
class KamailioIT {
  static final Duration T = Duration.ofSeconds(20);
  static final int PROXY = 26060;
  /** kamailio prints this line (no address or name) when it has saved a registration. */
  static final String REGISTERED = "pq-test: registration saved";

  @TempDir Path dir;

  static String config(int port) {
    return config("127.0.0.1", port);
  }

  /** kamailio on UDP and TCP at {@code ip:port}. */
  static String config(String ip, int port) {
    return config(port, List.of(
        "listen=udp:" + ip + ":" + port,
        "listen=tcp:" + ip + ":" + port));
  }

  /** kamailio on TLS only, with its tls module (the test certificate on both sides). */
  static String tlsConfig(int port, Path tlsCfg) {
    return config(port, List.of(
        "enable_tls=yes",
        "listen=tls:127.0.0.1:" + port,
        "loadmodule \"/usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so\"",
        "modparam(\"tls\", \"config\", \"" + tlsCfg + "\")"));
  }

  /**
   * The tls module's own file: kamailio serves the test certificate and checks the servers it
   * connects to against the test authority (clients are not asked for certificates).
   */
  static Path tlsModuleConfig(Path dir, SipTls tls) throws java.io.IOException {
    Path tlsCfg = dir.resolve("tls.cfg");
    Files.writeString(tlsCfg, String.join("\n",
        "[server:default]",
        "method = TLSv1.2+",
        "verify_certificate = no",
        "require_certificate = no",
        "private_key = " + tls.privateKey(),
        "certificate = " + tls.certificate(),
        "",
        "[client:default]",
        "method = TLSv1.2+",
        "verify_certificate = yes",
        "require_certificate = yes",
        "ca_list = " + tls.certificate(),
        ""));
    return tlsCfg;
  }

  private static String config(int port, List<String> listen) {
    return String.join("\n",
        "#!KAMAILIO",
        "debug=1",
        "log_stderror=yes",
        "children=2",
        "tcp_children=2",
        String.join("\n", listen),
        "udp_mtu=1300",
        "udp_mtu_try_proto=TCP",
        "tcp_max_connections=64",
        "mpath=\"/usr/lib/x86_64-linux-gnu/kamailio/modules/\"",
        "loadmodule \"pv.so\"",
        "loadmodule \"tm.so\"",
        "loadmodule \"sl.so\"",
        "loadmodule \"rr.so\"",
        "loadmodule \"maxfwd.so\"",
        "loadmodule \"textops.so\"",
        "loadmodule \"siputils.so\"",
        "loadmodule \"usrloc.so\"",
        "loadmodule \"registrar.so\"",
        "loadmodule \"xlog.so\"",
        "loadmodule \"nathelper.so\"",
        "modparam(\"nathelper\", \"received_avp\", \"$avp(RECEIVED)\")",
        "modparam(\"registrar\", \"received_avp\", \"$avp(RECEIVED)\")",
        "modparam(\"usrloc\", \"db_mode\", 0)",
        "request_route {",
        // Phones behind NAT: replies go where requests came from (rport), their Contacts carry
        // the address they are reached at (an alias), and in-dialog requests go there.
        "  force_rport();",
        "  if (is_method(\"INVITE\") && !has_totag()) { add_contact_alias(); }",
        "  if (!mf_process_maxfwd_header(\"10\")) { sl_send_reply(\"483\", \"Too Many Hops\"); exit; }",
        "  if (has_totag()) {",
        "    handle_ruri_alias();",
        // linphone's Contact is a GRUU (RFC 5627) in our domain: in-dialog requests to it are
        // routed through the location table like new ones.
        "    if (loose_route()) { if ($rd == \"pq.test\") { lookup(\"location\"); } t_relay(); exit; }",
        "    if (is_method(\"ACK\")) { if (t_check_trans()) { t_relay(); } exit; }",
        "    sl_send_reply(\"404\", \"Not here\"); exit;",
        "  }",
        "  if (is_method(\"CANCEL\")) { if (t_check_trans()) { t_relay(); } exit; }",
        "  if (is_method(\"REGISTER\")) {",
        // Requests to a registered phone go to the address its REGISTER came from (over TCP
        // and TLS: on that connection), whatever its Contact says.
        "    fix_nated_register();",
        "    if (!save(\"location\")) { sl_reply_error(); } else { xlog(\"L_ERR\", \"" + REGISTERED + "\\n\"); }",
        "    exit;",
        "  }",
        "  if ($rd == \"pq.test\") { if (!lookup(\"location\")) { sl_send_reply(\"404\", \"Not Found\"); exit; } }",
        "  record_route();",
        "  if (!t_relay()) { sl_reply_error(); }",
        "}",
        "onreply_route {",
        "  if (is_present_hf(\"Contact\")) { add_contact_alias(); }",
        "}",
        "");
  }

  @Test
  void calleeRegistersAndIsReachedByItsAddressOfRecord() throws Exception {
    Path cfg = dir.resolve("kamailio.cfg");
    Files.writeString(cfg, config(PROXY + 10));
    String proxy = "127.0.0.1:" + (PROXY + 10) + "/tcp";
    try (ExternalProcess kamailio =
        ExternalProcess.start("kamailio", List.of("kamailio", "-DD", "-E", "-f", cfg.toString(), "-Y", dir.toString(), "-w", dir.toString()))) {
      kamailio.awaitTcp(PROXY + 10, T);
      TestPhone bob = TestPhone.start("bob", 26082, 46600, dir, TestPhone.Options.of(Policy.REQUIRE, true).withProxy(proxy));
      TestPhone alice = TestPhone.start("alice", 26080, 46400, dir, TestPhone.Options.of(Policy.REQUIRE, false).withProxy(proxy));
      try {
        bob.ua().register(Duration.ofSeconds(300));
        assertThat(((Number) bob.log().await("registered", T).get("expires")).intValue()).isPositive();
        int id = alice.ua().call("sip:bob@pq.test");
        EventLog.Event a = alice.log().await("established", T);
        EventLog.Event b = bob.log().await("established", T);
        assertThat(a.get("security")).isEqualTo("pq");
        assertThat(a.get("sas")).isEqualTo(b.get("sas"));
        alice.ua().hangup(id);
        bob.log().await("ended", T);
      } finally {
        alice.close();
        bob.close();
      }
    }
  }

  /**
   * SIP over TLS on every hop (phone → kamailio's tls module → phone): the PQ call, its SDES
   * fallback offer and the BYE never cross the loopback in clear; each side checks the other's
   * certificate against the test authority.
   */
  @Test
  void pqCallThroughKamailioOverTls() throws Exception {
    SipTls tls = TestCertificate.create(dir);
    Path tlsCfg = tlsModuleConfig(dir, tls);
    Path cfg = dir.resolve("kamailio.cfg");
    int port = PROXY + 20;
    Files.writeString(cfg, tlsConfig(port, tlsCfg));
    try (ExternalProcess kamailio =
        ExternalProcess.start("kamailio", List.of("kamailio", "-DD", "-E", "-f", cfg.toString(), "-Y", dir.toString(), "-w", dir.toString()))) {
      kamailio.awaitTcp(port, T);
      TestPhone bob = TestPhone.start("bob", 26092, 46800, dir, TestPhone.Options.of(Policy.PREFER, true).withSdes(tls).withTone(660));
      TestPhone alice = TestPhone.start("alice", 26090, 47000, dir,
          TestPhone.Options.of(Policy.PREFER, false).withSdes(tls).withProxy("127.0.0.1:" + port + "/tls"));
      pqCallWithTone(alice, bob, "sip:bob@127.0.0.1:26092;transport=tls");
    }
  }

  @Test
  void pqCallThroughKamailioOverTcp() throws Exception {
    Path cfg = dir.resolve("kamailio.cfg");
    Files.writeString(cfg, config(PROXY));
    try (ExternalProcess kamailio =
        ExternalProcess.start("kamailio", List.of("kamailio", "-DD", "-E", "-f", cfg.toString(), "-Y", dir.toString(), "-w", dir.toString()))) {
      kamailio.await(o -> o.contains("Listening on") && o.contains("tcp: 127.0.0.1:" + PROXY), T, "start-up");
      kamailio.awaitTcp(PROXY, T);
      TestPhone bob = TestPhone.start("bob", 26072, 46200, dir, TestPhone.Options.of(Policy.REQUIRE, true).withTone(660));
      TestPhone alice =
          TestPhone.start("alice", 26070, 46000, dir,
              TestPhone.Options.of(Policy.REQUIRE, false).withProxy("127.0.0.1:" + PROXY + "/tcp"));
      pqCallWithTone(alice, bob, "sip:bob@127.0.0.1:26072;transport=tcp");
    }
  }

  /** Alice calls {@code target} through the proxy: a PQ call, matching SAS, Bob hears her tone, BYE. */
  private static void pqCallWithTone(TestPhone alice, TestPhone bob, String target) throws Exception {
    try {
      int id = alice.ua().call(target);
      EventLog.Event a = alice.log().await("established", T);
      EventLog.Event b = bob.log().await("established", T);
      assertThat(a.get("security")).isEqualTo("pq");
      assertThat(b.get("security")).isEqualTo("pq");
      assertThat(a.get("sas")).isEqualTo(b.get("sas"));
      bob.log().await(e -> e.type().equals("media") && (Long) e.get("packetsReceived") >= 100, T, "audio");
      alice.ua().hangup(id); // BYE follows the Record-Route through kamailio
      bob.log().await("ended", T);
      assertThat(ToneCheck.dominates(Wav.read(bob.recording()), 440)).isTrue();
    } finally {
      alice.close();
      bob.close();
    }
  }
}
