package org.pqsip.interop;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.pqsip.media.AudioCodec;
import org.pqsip.media.ToneSource;
import org.pqsip.media.Wav;
import org.pqsip.sip.SipTls;

/**
 * baresip 1.0 (Debian package) as a legacy phone: plain RTP or SDES, auto-answer, a tone from a
 * WAV file, driven through its ctrl_tcp module. Its own config directory per instance.
 */
final class Baresip implements AutoCloseable {
  final int sipPort;
  final int ctrlPort;
  final ExternalProcess process;
  private final boolean tls;
  private final List<String> namespace;
  private final String ip;
  private final Path dir;

  private Baresip(Path dir, int sipPort, int ctrlPort, ExternalProcess process, boolean tls, List<String> namespace, String ip) {
    this.dir = dir;
    this.sipPort = sipPort;
    this.ctrlPort = ctrlPort;
    this.process = process;
    this.tls = tls;
    this.namespace = namespace;
    this.ip = ip;
  }

  /**
   * @param mediaenc null for plain RTP, "srtp" for best-effort SDES, "srtp-mand" for mandatory
   */
  static Baresip start(Path dir, int sipPort, int rtpBase, double toneHz, String mediaenc) throws Exception {
    return start(dir, sipPort, rtpBase, toneHz, mediaenc == null ? "" : ";mediaenc=" + mediaenc, List.of(), null);
  }

  /**
   * SDES over TLS signalling (SDES keys travel in the SDP: our phone offers and accepts them only
   * over TLS): baresip presents and trusts the test certificate, and listens for TLS on
   * {@code sipPort + 1}.
   */
  static Baresip startTls(Path dir, int sipPort, int rtpBase, double toneHz, String mediaenc, SipTls tls) throws Exception {
    return start(dir, sipPort, rtpBase, toneHz, ";mediaenc=" + mediaenc, List.of(), tls);
  }

  /**
   * baresip with its media through a TURN relay ({@code turn} module): its SDP offers the relayed
   * address, and every (SDES-protected) RTP packet crosses the relay both ways.
   */
  static Baresip startWithTurn(Path dir, int sipPort, int rtpBase, double toneHz, String relayHostPort, String user,
      String password) throws Exception {
    return start(dir, sipPort, rtpBase, toneHz,
        ";mediaenc=srtp;medianat=turn;stunserver=turn:" + relayHostPort + ";stunuser=" + user + ";stunpass=" + password,
        List.of("turn.so"), null);
  }

  /** As {@link #startWithTurn}, with SIP over TLS (SDES needs it). */
  static Baresip startWithTurn(Path dir, int sipPort, int rtpBase, double toneHz, String relayHostPort, String user,
      String password, SipTls tls) throws Exception {
    return start(dir, sipPort, rtpBase, toneHz,
        ";mediaenc=srtp;medianat=turn;stunserver=turn:" + relayHostPort + ";stunuser=" + user + ";stunpass=" + password,
        List.of("turn.so"), tls);
  }

  /**
   * baresip with ICE (its {@code ice} module, RTCP multiplexed), run in a namespace of a
   * {@link NatTopology} on {@code ip}, registered over TCP with the proxy as {@code user}, and
   * using our relay ({@code turn:HOST:PORT} with REST credentials) for its server-reflexive and
   * relayed candidates. Plain RTP: it has no pqkem.
   */
  static Baresip startWithIce(Path dir, List<String> namespace, String ip, String user, String proxy, String relay,
      String turnUser, String turnPass) throws Exception {
    String account = "<sip:" + user + ";transport=tcp>;regint=300;answermode=auto;outbound=\"sip:" + proxy
        + ";transport=tcp\";medianat=ice;stunserver=turn:" + relay + ";stunuser=" + turnUser + ";stunpass=" + turnPass;
    return start(dir, namespace, ip, 5070, 30000, 880, account, List.of("ice.so"), null, List.of("rtcp_mux yes"));
  }

  /**
   * baresip as a phone of a trunk-gateway site: in {@code namespace} on {@code ip} (SIP 5090, RTP
   * from 30000), registered over TCP as {@code user} (e.g. {@code 1001@site-a.test}) with the
   * site's PBX at {@code pbx} ({@code host:port}), which it also sends every request through;
   * auto-answer; plain RTP, or SDES with {@code mediaenc}.
   */
  static Baresip startAtSite(Path dir, List<String> namespace, String ip, String user, String pbx, double toneHz,
      String mediaenc) throws Exception {
    return startAtSite(dir, namespace, ip, user, pbx, toneHz, mediaenc, null);
  }

  /** As above; with {@code tls}, SIP over TLS to the PBX (SDES keys travel in the SDP). */
  static Baresip startAtSite(Path dir, List<String> namespace, String ip, String user, String pbx, double toneHz,
      String mediaenc, SipTls tls) throws Exception {
    String transport = tls == null ? "tcp" : "tls";
    String account = "<sip:" + user + ";transport=" + transport + ">;regint=300;answermode=auto;outbound=\"sip:" + pbx
        + ";transport=" + transport + "\"" + (mediaenc == null ? "" : ";mediaenc=" + mediaenc);
    Files.createDirectories(dir.resolve("heard"));
    // sndfile (an audio filter) writes what it decodes to heard/*-dec.wav: what the phone heard.
    return start(dir, namespace, ip, 5090, 30000, toneHz, account, List.of("sndfile.so"), tls,
        List.of("snd_path " + dir.resolve("heard")));
  }

  /** What it heard in its call (sndfile's decoded dump; complete once the call has ended). */
  Path received() throws IOException {
    try (java.util.stream.Stream<Path> files = Files.list(dir.resolve("heard"))) {
      return files.filter(f -> f.getFileName().toString().endsWith("-dec.wav")).findFirst()
          .orElseThrow(() -> new IOException("baresip wrote no recording of what it heard"));
    }
  }

  private static Baresip start(Path dir, int sipPort, int rtpBase, double toneHz, String accountParams, List<String> modules,
      SipTls tls) throws Exception {
    return start(dir, List.of(), "127.0.0.1", sipPort, rtpBase, toneHz, "<sip:carol@127.0.0.1>;regint=0;answermode=auto"
        + accountParams, modules, tls, List.of());
  }

  private static Baresip start(Path dir, List<String> namespace, String ip, int sipPort, int rtpBase, double toneHz,
      String account, List<String> modules, SipTls tls, List<String> extraConfig) throws Exception {
    Files.createDirectories(dir);
    Path tone = toneWav(dir.resolve("tone.wav"), toneHz);
    int ctrl = sipPort + 5;
    Files.writeString(dir.resolve("config"), String.join("\n",
        "poll_method epoll",
        "sip_listen " + ip + ":" + sipPort,
        "sip_trans_def udp",
        "audio_player aufile," + dir.resolve("received.wav"),
        "audio_source aufile," + tone,
        "audio_alert aufile," + tone,
        "module_path /usr/lib/baresip/modules",
        "module g711.so",
        "module aufile.so",
        "module srtp.so",
        modules.stream().map(m -> "module " + m).collect(java.util.stream.Collectors.joining("\n")),
        "module_app account.so",
        "module_app menu.so",
        "module_app ctrl_tcp.so",
        "ctrl_tcp_listen " + ip + ":" + ctrl,
        "net_interface " + ip,
        "dns_server 127.0.0.1:53",
        "rtp_ports " + rtpBase + "-" + (rtpBase + 99),
        tls == null ? "" : "sip_certificate " + combinedPem(dir, tls),
        tls == null ? "" : "sip_cafile " + tls.trustedCas().orElseThrow(),
        String.join("\n", extraConfig),
        ""));
    Files.writeString(dir.resolve("accounts"), account + "\n");
    List<String> cmd = new java.util.ArrayList<>(namespace);
    cmd.addAll(List.of("baresip", "-f", dir.toString()));
    ExternalProcess p = ExternalProcess.start("baresip", cmd);
    Baresip b = new Baresip(dir, sipPort, ctrl, p, tls != null, List.copyOf(namespace), ip);
    p.awaitLine("baresip is ready.", Duration.ofSeconds(15));
    if (namespace.isEmpty()) {
      p.awaitTcp(ctrl, Duration.ofSeconds(15)); // (in a namespace its port is not ours to probe)
    }
    return b;
  }

  /** libre reads the certificate and its private key from one file. */
  private static Path combinedPem(Path dir, SipTls tls) throws IOException {
    Path both = dir.resolve("sip-cert-and-key.pem");
    Files.writeString(both, Files.readString(tls.certificate()) + Files.readString(tls.privateKey()));
    return both;
  }

  /** Ten seconds of a sine tone as a 16-bit 8 kHz mono WAV: what a legacy phone plays. */
  static Path toneWav(Path file, double hz) throws IOException {
    ToneSource src = new ToneSource(hz);
    short[] pcm = new short[8000 * 10];
    short[] frame = new short[AudioCodec.FRAME_SAMPLES];
    for (int i = 0; i < pcm.length; i += frame.length) {
      src.read(frame);
      System.arraycopy(frame, 0, pcm, i, frame.length);
    }
    Wav.write(file, pcm);
    return file;
  }

  String uri() {
    return tls ? "sip:carol@127.0.0.1:" + (sipPort + 1) + ";transport=tls" : "sip:carol@127.0.0.1:" + sipPort;
  }

  /** Dials {@code uri} through ctrl_tcp (netstring-framed JSON). */
  void dial(String uri) throws IOException {
    command("dial", uri);
  }

  /** Hangs up its call. */
  void hangup() throws IOException {
    command("hangup", "");
  }

  private void command(String command, String params) throws IOException {
    String json = "{\"command\":\"" + command + "\",\"params\":\"" + params + "\",\"token\":\"t1\"}";
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    if (!namespace.isEmpty()) {
      commandInNamespace(body.length + ":" + json + ",");
      return;
    }
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), ctrlPort)) {
      OutputStream out = s.getOutputStream();
      out.write((body.length + ":").getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.write(',');
      out.flush();
      s.setSoTimeout(5000);
      s.getInputStream().read(); // the response starts: the command was taken
    }
  }

  /** In a namespace its control port is reachable only from inside: bash's /dev/tcp there. */
  private void commandInNamespace(String netstring) throws IOException {
    List<String> cmd = new java.util.ArrayList<>(namespace);
    cmd.addAll(List.of("bash", "-c", "exec 3<>/dev/tcp/" + ip + "/" + ctrlPort + " && printf '%s' \"$1\" >&3 && head -c 1 <&3",
        "dial", netstring));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException("baresip's control port did not take the command: " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } finally {
      p.destroy();
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.close();
  }
}
