package org.pqsip.interop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * linphone 5.1 headless ({@code linphonec}, Debian's linphone-cli) in a network namespace, driven
 * on its stdin: its rc file is written from {@code [sip]} settings (which may run on into further
 * sections), IPv6 is turned off and it plays and records WAV files instead of a sound card
 * (../shared/TESTBED.md "linphone-cli").
 */
final class Linphone implements AutoCloseable {
  static final Duration T = Duration.ofSeconds(30);

  final ExternalProcess process;

  private Linphone(ExternalProcess process) {
    this.process = process;
  }

  /**
   * @param namespace the command prefix that runs a program in the namespace ({@code ip netns exec NS})
   * @param sip lines of its {@code [sip]} section; no proxy unless they name a {@code default_proxy}
   */
  static Linphone start(Path dir, List<String> namespace, boolean autoAnswer, List<String> sip) throws Exception {
    return start(dir, namespace, autoAnswer, sip, List.of());
  }

  /** As {@link #start(Path, List, boolean, List)}, with more {@code [rtp]} settings. */
  static Linphone start(Path dir, List<String> namespace, boolean autoAnswer, List<String> sip, List<String> rtp)
      throws Exception {
    Path home = dir.resolve("home");
    Files.createDirectories(home.resolve(".local/share/linphone"));
    Path rc = dir.resolve("linphonerc");
    Files.writeString(rc, String.join("\n",
        "[sip]", sip.stream().anyMatch(l -> l.startsWith("default_proxy=")) ? "" : "default_proxy=-1", String.join("\n", sip),
        "[rtp]", "audio_rtp_port=7078", String.join("\n", rtp), ""));
    List<String> cmd = new ArrayList<>(namespace);
    cmd.addAll(List.of("env", "HOME=" + home, "linphonec", "-c", rc.toString(), "-d", "0"));
    if (autoAnswer) {
      cmd.add("-a");
    }
    Linphone lin = new Linphone(ExternalProcess.start("linphonec", cmd));
    try {
      lin.process.send("ipv6 disable"); // read when linphonec is ready (its prompt ends no line to wait for)
      lin.process.awaitLine("ipv6 use disabled", T);
      lin.process.send("soundcard use files");
      lin.process.awaitLine("Using wav files", T);
    } catch (Exception | Error e) {
      lin.close();
      throw e;
    }
    return lin;
  }

  /**
   * linphone with ICE behind a NAT: registered over TCP with the proxy as {@code user}, its NAT
   * policy (STUN, TURN over UDP, ICE) pointing at our relay with REST credentials (linphone
   * looks TURN credentials up in its auth info, by user name and realm, and only when it has a
   * proxy configuration), and RTCP multiplexed on the RTP port. Plain RTP: it has no pqkem.
   */
  static Linphone startWithIce(Path dir, List<String> namespace, String user, String proxy, String relay,
      String realm, String turnUser, String turnPass, boolean autoAnswer) throws Exception {
    String route = "<sip:" + proxy + ";transport=tcp>";
    return start(dir, namespace, autoAnswer, List.of("sip_port=-1", "sip_tcp_port=5192", "sip_tls_port=-1",
        "default_proxy=0",
        "[net]", "nat_policy_ref=np",
        "[nat_policy_0]", "ref=np", "stun_server=" + relay, "stun_server_username=" + turnUser,
        "protocols=stun,turn,ice", "turn_enable_udp=1",
        "[auth_info_0]", "username=" + turnUser, "passwd=" + turnPass, "realm=" + realm,
        "[proxy_0]", "reg_proxy=" + route, "reg_route=" + route, "reg_identity=sip:" + user,
        "reg_expires=600", "reg_sendregister=1", "nat_policy_ref=np"),
        List.of("rtcp_mux=1")); // our offer multiplexes RTCP (one ICE component): without this its ICE never completes
  }

  /**
   * Waits until linphonec has said {@code what} (" connected", " ended") of {@code n} calls:
   * its lines "Call 1 with sip:… connected." and "… ended (…)." accumulate over the session.
   */
  void awaitCalls(String what, int n) throws InterruptedException {
    java.util.regex.Pattern line = java.util.regex.Pattern.compile("(?m)^.*Call \\d+ with .*" + java.util.regex.Pattern.quote(what));
    process.await(o -> line.matcher(o).results().count() >= n, T, n + " call(s)" + what);
  }

  void send(String line) throws java.io.IOException {
    process.send(line);
  }

  @Override
  public void close() throws InterruptedException {
    process.close();
  }
}
