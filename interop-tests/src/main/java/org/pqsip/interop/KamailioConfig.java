package org.pqsip.interop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.pqsip.sip.SipTls;

/**
 * kamailio 5.6 configurations standing in for a PBX: a stateful proxy and registrar with no
 * database, which handles phones behind NAT (rport, contact aliases, registrations answered on
 * the connection they came over) and GRUU contacts. Used by the interop tests and the benchmarks.
 */
public final class KamailioConfig {
  /** kamailio prints this line (no address or name) when it has saved a registration. */
  public static final String REGISTERED = "pq-test: registration saved";

  private KamailioConfig() {}

  public static String config(int port) {
    return config("127.0.0.1", port);
  }

  /** kamailio on UDP and TCP at {@code ip:port}. */
  public static String config(String ip, int port) {
    return config(ip, port, "");
  }

  /** As {@link #config(String, int)}, with {@code route} (lines of routing logic for new requests) first. */
  public static String config(String ip, int port, String route) {
    return config(List.of(
        "listen=udp:" + ip + ":" + port,
        "listen=tcp:" + ip + ":" + port), route);
  }

  /**
   * A carrier's routing of number ranges to registered SIP trunks (the trunk gateways register
   * as {@code trunkUser}): a request for a user starting with {@code prefix} goes to where
   * {@code trunkUser} registered from (its connection through its NAT), keeping the dialled
   * number in the request URI.
   */
  public static String trunkRoute(String prefix, String trunkUser) {
    return "  if ($rU =~ \"^" + prefix + "\") { $var(n) = $rU; if (!lookup(\"location\", \"sip:" + trunkUser
        + "@pq.test\")) { sl_send_reply(\"404\", \"Not Found\"); exit; } $rU = $var(n); }";
  }

  /**
   * A site's PBX for the trunk gateway tests, on UDP and TCP at {@code ip:port}: the site's
   * phones (users starting with {@code localPrefix}) register here and are found by user name;
   * calls to another site's numbers (users starting with {@code remotePrefix}) go to the trunk
   * gateway's LAN side at {@code gateway} ({@code host:port}, over TCP), as a PBX's dial plan
   * routes an inter-site trunk.
   */
  public static String site(String ip, int port, String localPrefix, String remotePrefix, String gateway) {
    return config(List.of("listen=udp:" + ip + ":" + port, "listen=tcp:" + ip + ":" + port),
        siteRoute(localPrefix, remotePrefix, gateway, "tcp"));
  }

  /** As {@link #site}, on TLS only (its tls module, {@code tlsCfg}), the gateway reached over TLS too. */
  public static String siteTls(String ip, int port, String localPrefix, String remotePrefix, String gateway, Path tlsCfg) {
    return config(List.of(
        "enable_tls=yes",
        "listen=tls:" + ip + ":" + port,
        "loadmodule \"/usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so\"",
        "modparam(\"tls\", \"config\", \"" + tlsCfg + "\")"),
        siteRoute(localPrefix, remotePrefix, gateway, "tls"));
  }

  private static String siteRoute(String localPrefix, String remotePrefix, String gateway, String transport) {
    return "  if ($rU =~ \"^" + remotePrefix + "\") { record_route(); $du = \"sip:" + gateway
        + ";transport=" + transport + "\"; if (!t_relay()) { sl_reply_error(); } exit; }\n"
        + "  if ($rU =~ \"^" + localPrefix + "\") { if (!lookup(\"location\")) { sl_send_reply(\"404\", \"Not Found\"); exit; } }";
  }

  /** kamailio on TLS only, with its tls module (the test certificate on both sides). */
  public static String tlsConfig(int port, Path tlsCfg) {
    return config(List.of(
        "enable_tls=yes",
        "listen=tls:127.0.0.1:" + port,
        "loadmodule \"/usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so\"",
        "modparam(\"tls\", \"config\", \"" + tlsCfg + "\")"), "");
  }

  /**
   * The tls module's own file: kamailio serves the test certificate and checks the servers it
   * connects to against the test authority (clients are not asked for certificates).
   */
  public static Path tlsModuleConfig(Path dir, SipTls tls) throws java.io.IOException {
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

  /** {@code route}: lines of routing logic for new requests, before the pq.test lookup. */
  private static String config(List<String> listen, String route) {
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
        route,
        "  if ($rd == \"pq.test\") { if (!lookup(\"location\")) { sl_send_reply(\"404\", \"Not Found\"); exit; } }",
        "  record_route();",
        "  if (!t_relay()) { sl_reply_error(); }",
        "}",
        "onreply_route {",
        "  if (is_present_hf(\"Contact\")) { add_contact_alias(); }",
        "}",
        "");
  }
}
