package org.pqsip.phone;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.pqsip.ice.IceConfig;
import org.pqsip.ice.PathSettings;
import org.pqsip.ice.RelayTls;
import org.pqsip.ice.RelayUri;
import org.pqsip.keying.KeyingConfig;
import org.pqsip.keying.Policy;
import org.pqsip.media.AudioCodec;
import org.pqsip.media.AudioSource;
import org.pqsip.media.ToneSource;
import org.pqsip.media.Wav;
import org.pqsip.media.WavSource;
import org.pqsip.sip.PhoneConfig;
import org.pqsip.sip.PhoneEvents;
import org.pqsip.sip.SipTls;
import org.pqsip.sip.UserAgent;
import org.pqsip.store.FilePeerStore;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./pq phone}: the headless PQ softphone. */
@Command(
    name = "pq phone",
    mixinStandardHelpOptions = true,
    description = "A headless SIP phone with post-quantum (ML-KEM-1024 + X25519) SRTP keying.",
    sortOptions = false)
public final class Phone implements Callable<Integer> {
  @Option(names = "--sip", required = true, paramLabel = "TRANSPORT:HOST:PORT",
      description = "Where SIP listens, e.g. tcp:127.0.0.1:5070 (UDP and TCP both listen on that port) or "
          + "tls:127.0.0.1:5071 (TLS only: every request leaves over TLS; needs --tls-cert and --tls-key).")
  String sip;

  @Option(names = "--tls-cert", paramLabel = "FILE.pem", description = "Our TLS certificate chain (PEM), for --sip tls:.")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE.pem", description = "Our TLS private key (PEM, PKCS#8), for --sip tls:.")
  Path tlsKey;

  @Option(names = "--tls-ca", paramLabel = "FILE.pem",
      description = "Certificate authorities we accept for TLS peers and proxies (PEM); default: the JDK's.")
  Path tlsCa;

  @Option(names = "--user", required = true, paramLabel = "SIP-URI", description = "Our address-of-record.")
  String user;

  @Option(names = "--policy", defaultValue = "require", paramLabel = "require|prefer|off",
      description = "Media security policy (default: ${DEFAULT-VALUE}).")
  String policy;

  @Option(names = "--sdes", description = "Also offer/accept SDES a=crypto for legacy phones (prefer/off).")
  boolean sdes;

  @Option(names = "--call", paramLabel = "SIP-URI", description = "Call this URI.")
  String call;

  @Option(names = "--auto-answer", description = "Answer incoming calls at once.")
  boolean autoAnswer;

  @Option(names = "--duration", defaultValue = "0s", paramLabel = "DURATION",
      description = "Hang up this long after the call is established, as caller or callee (e.g. 5s); 0 = never.")
  String duration;

  @Option(names = "--exit-after", defaultValue = "0", paramLabel = "N",
      description = "Exit after N calls have ended (0 = run until SIGTERM, or after --call ends).")
  int exitAfter;

  @Option(names = "--rekey-after", defaultValue = "0s", paramLabel = "DURATION",
      description = "Caller sends a re-INVITE with fresh keys this long after establishment.")
  String rekeyAfter;

  @Option(names = "--tone", defaultValue = "440", paramLabel = "HZ", description = "Send a sine tone (default ${DEFAULT-VALUE} Hz).")
  double tone;

  @Option(names = "--play", paramLabel = "FILE.wav", description = "Send this 16-bit 8 kHz mono WAV file instead of a tone.")
  Path play;

  @Option(names = "--record", paramLabel = "FILE.wav", description = "Record the received audio.")
  Path record;

  @Option(names = "--codec", defaultValue = "PCMU", paramLabel = "PCMU|PCMA", description = "Preferred codec.")
  AudioCodec codec;

  @Option(names = "--media", defaultValue = "127.0.0.1:40000-40999", paramLabel = "IP:LOW-HIGH",
      description = "Media address and RTP port range (default ${DEFAULT-VALUE}); with --relay, 0.0.0.0 puts ICE host"
          + " candidates on every interface that is up (not loopback or link-local).")
  String media;

  @Option(names = "--proxy", paramLabel = "HOST:PORT/TRANSPORT", description = "Outbound proxy for every request.")
  String proxy;

  @Option(names = "--register", description = "Register with the registrar at --proxy (refreshed at half the lifetime).")
  boolean register;

  @Option(names = "--relay", paramLabel = "turn:HOST:PORT[?transport=udp|tcp|tls]",
      description = "Our STUN/TURN relay (repeatable; literal addresses): NAT discovery, server-reflexive and relayed candidates.")
  List<String> relays = new ArrayList<>();

  @Option(names = "--relay-secret", paramLabel = "SECRET", description = "The relay's shared secret for REST credentials.")
  String relaySecret;

  @Option(names = "--relay-secret-file", paramLabel = "FILE", description = "Read the relay's shared secret from FILE.")
  Path relaySecretFile;

  @Option(names = "--relay-ca", paramLabel = "FILE.pem",
      description = "Certificate authorities a TLS relay's certificate must chain to (default: the JDK's trust store).")
  Path relayCa;

  @Option(names = "--p2p-window", defaultValue = "800ms", paramLabel = "DURATION",
      description = "How long P2P may take before the relay pair is chosen (default ${DEFAULT-VALUE}).")
  String p2pWindow;

  @Option(names = "--state-dir", paramLabel = "DIR",
      description = "Where device id and retained secrets live (default ~/.pqsip).")
  Path stateDir;

  @Option(names = "--json", description = "Print one JSON object per line.")
  boolean json;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  public static int run(String... args) {
    return new CommandLine(new Phone()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
  }

  @Override
  public Integer call() throws Exception {
    PhoneEvents out = json ? new JsonEvents(System.out) : new TextEvents(System.out);
    PhoneConfig config;
    FilePeerStore store;
    SecureRandom random = new SecureRandom();
    try {
      Path dir = stateDir != null ? stateDir : Path.of(System.getProperty("user.home"), ".pqsip");
      store = FilePeerStore.open(dir, user, random);
      config = config(store);
    } catch (IllegalArgumentException | IOException e) {
      out.event("error", Map.of("message", e.getMessage()));
      return 2;
    }
    CountDownLatch done = new CountDownLatch(exitAfter > 0 ? exitAfter : (call != null ? 1 : Integer.MAX_VALUE));
    Duration hangupAfter = parseDuration(duration);
    Duration rekey = parseDuration(rekeyAfter);
    java.util.concurrent.ScheduledExecutorService timers = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(org.pqsip.media.DaemonThreads.named("pqsip-phone"));
    UserAgent[] ua = new UserAgent[1];
    PhoneEvents events = (type, fields) -> {
      out.event(type, fields);
      int id = (Integer) fields.getOrDefault("call", 0);
      if (type.equals("established")) {
        // --duration counts from established, on either end, whatever the media does.
        if (!rekey.isZero() && "caller".equals(fields.get("role"))) {
          timers.schedule(() -> ua[0].rekey(id), rekey.toMillis(), TimeUnit.MILLISECONDS);
        }
        if (!hangupAfter.isZero()) {
          timers.schedule(() -> ua[0].hangup(id), hangupAfter.toMillis(), TimeUnit.MILLISECONDS);
        }
      }
      if (type.equals("ended")) {
        done.countDown();
      }
    };
    ua[0] = new UserAgent(config, store, events, random);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      ua[0].close();
      store.close();
    }));
    try {
      ua[0].start();
    } catch (javax.sip.SipException e) {
      out.event("error", Map.of("message", e.getMessage()));
      return 2;
    }
    // SIP listens: scripts may call us now. With a relay, the ready line says what NAT we are behind.
    out.event("ready", ua[0].natClass().map(n -> Map.<String, Object>of("nat", n.token())).orElse(Map.of()));
    if (register) {
      ua[0].register(Duration.ofSeconds(300));
    }
    if (call != null) {
      ua[0].call(call);
    }
    readCommands(ua[0], events);
    done.await();
    ua[0].close();
    store.close();
    timers.shutdownNow();
    return 0;
  }

  /**
   * Lines on standard input drive the phone: {@code verify [CALL]} (the SAS was compared aloud
   * and matched), {@code rekey [CALL]}, {@code hangup [CALL]}; CALL defaults to the newest call.
   */
  private static void readCommands(UserAgent ua, PhoneEvents events) {
    int[] newest = {0};
    Thread t = new Thread(() -> {
      try (java.io.BufferedReader in = new java.io.BufferedReader(
          new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          String[] w = line.trim().split("\\s+");
          int id = ua.newestCall();
          if (w.length > 1) {
            try {
              id = Integer.parseInt(w[1]);
            } catch (NumberFormatException e) {
              events.event("error", Map.of("message", "not a call number: " + w[1]));
              continue;
            }
          }
          switch (w[0]) {
            case "verify" -> ua.verifySas(id);
            case "rekey" -> ua.rekey(id);
            case "hangup" -> ua.hangup(id);
            case "" -> { }
            default -> events.event("error", Map.of("message", "unknown command '" + w[0] + "' (verify, rekey, hangup)"));
          }
        }
      } catch (IOException e) {
        // standard input closed: no commands
      }
    }, "pqsip-commands");
    t.setDaemon(true);
    t.start();
  }

  private PhoneConfig config(FilePeerStore store) throws IOException {
    String[] s = sip.split(":");
    if (s.length != 3 || !(s[0].equalsIgnoreCase("tcp") || s[0].equalsIgnoreCase("udp") || s[0].equalsIgnoreCase("tls"))) {
      throw new IllegalArgumentException("--sip must look like tcp:127.0.0.1:5070 or tls:127.0.0.1:5071");
    }
    Optional<SipTls> tls = Optional.empty();
    if (s[0].equalsIgnoreCase("tls")) {
      if (tlsCert == null || tlsKey == null) {
        throw new IllegalArgumentException("--sip tls: needs --tls-cert and --tls-key (PEM files)");
      }
      tls = Optional.of(new SipTls(tlsCert, tlsKey, Optional.ofNullable(tlsCa)));
    } else if (tlsCert != null || tlsKey != null || tlsCa != null) {
      throw new IllegalArgumentException("--tls-cert, --tls-key and --tls-ca go with --sip tls:HOST:PORT");
    }
    InetSocketAddress sipAddr = new InetSocketAddress(InetAddress.getByName(s[1]), Integer.parseInt(s[2]));
    String[] m = media.split(":");
    String[] range = m[m.length - 1].split("-");
    InetAddress mediaIp = InetAddress.getByName(media.substring(0, media.lastIndexOf(':')));
    KeyingConfig keying;
    try {
      keying = KeyingConfig.defaults(Policy.parse(policy), store.self()).withSdes(sdes);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--policy must be require, prefer or off; " + e.getMessage());
    }
    Supplier<AudioSource> audio;
    if (play != null) {
      short[] pcm = Wav.read(play);
      audio = () -> new WavSource(pcm);
    } else {
      audio = () -> new ToneSource(tone);
    }
    return new PhoneConfig(
        sipAddr, user, keying, mediaIp, Integer.parseInt(range[0]), Integer.parseInt(range[1]),
        codec, audio, Optional.ofNullable(record), Optional.ofNullable(proxy), autoAnswer,
        Duration.ofSeconds(10), tls, ice());
  }

  private IceConfig ice() throws IOException {
    if (relaySecret != null && relaySecretFile != null) {
      throw new IllegalArgumentException("give --relay-secret or --relay-secret-file, not both");
    }
    Optional<byte[]> secret = Optional.empty();
    if (relaySecret != null) {
      secret = Optional.of(relaySecret.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } else if (relaySecretFile != null) {
      secret = Optional.of(java.nio.file.Files.readString(relaySecretFile).strip().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    if (relays.isEmpty() && (secret.isPresent() || relayCa != null || !p2pWindow.equals("800ms"))) {
      throw new IllegalArgumentException("--relay-secret, --relay-ca and --p2p-window go with --relay turn:HOST:PORT");
    }
    List<RelayUri> parsed = relays.stream().map(RelayUri::parse).toList();
    if (relayCa != null) {
      RelayTls.socketFactory(Optional.of(relayCa)); // an unreadable CA file is refused now, not at the first call
    }
    return new IceConfig(parsed, secret, Optional.ofNullable(relayCa), PathSettings.DEFAULTS.withP2pWindow(parseDuration(p2pWindow)));
  }

  static Duration parseDuration(String text) {
    String t = text.trim().toLowerCase(java.util.Locale.ROOT);
    try {
      if (t.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      }
      if (t.endsWith("s")) {
        return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
      }
      return Duration.ofMillis(Math.round(Double.parseDouble(t) * 1000));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a duration: " + text + " (use e.g. 5s or 500ms)");
    }
  }
}
