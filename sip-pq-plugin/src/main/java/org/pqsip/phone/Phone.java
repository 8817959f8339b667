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

  @Option(names = "--media", defaultValue = PhoneSettings.DEFAULT_MEDIA, paramLabel = "IP:LOW-HIGH",
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

  @Option(names = "--p2p-window", defaultValue = PhoneSettings.DEFAULT_P2P_WINDOW, paramLabel = "DURATION",
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
      PhoneSettings settings = settings();
      store = FilePeerStore.open(settings.stateDir(), user, random);
      config = settings.toConfig(store.self());
    } catch (IllegalArgumentException | IOException e) {
      out.event("error", Map.of("message", e.getMessage()));
      return 2;
    }
    CountDownLatch done = new CountDownLatch(exitAfter > 0 ? exitAfter : (call != null ? 1 : Integer.MAX_VALUE));
    Duration hangupAfter = PhoneSettings.parseDuration(duration);
    Duration rekey = PhoneSettings.parseDuration(rekeyAfter);
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
   * Lines on standard input drive the phone: {@code answer [CALL]} (a ringing call, without
   * --auto-answer), {@code verify [CALL]} (the SAS was compared aloud and matched),
   * {@code rekey [CALL]}, {@code hangup [CALL]}; CALL defaults to the newest call.
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
            case "answer" -> ua.answer(id);
            case "" -> { }
            default -> events.event("error", Map.of("message", "unknown command '" + w[0] + "' (answer, verify, rekey, hangup)"));
          }
        }
      } catch (IOException e) {
        // standard input closed: no commands
      }
    }, "pqsip-commands");
    t.setDaemon(true);
    t.start();
  }

  /** The command line's settings, as the OSGi component's .cfg file gives them too. */
  PhoneSettings settings() {
    Path dir = stateDir != null ? stateDir : Path.of(System.getProperty("user.home"), ".pqsip");
    return new PhoneSettings(sip, user, policy, sdes, media, codec, tone, Optional.ofNullable(play),
        Optional.ofNullable(record), Optional.ofNullable(proxy), register, autoAnswer, Optional.ofNullable(tlsCert),
        Optional.ofNullable(tlsKey), Optional.ofNullable(tlsCa), relays, Optional.ofNullable(relaySecret),
        Optional.ofNullable(relaySecretFile), Optional.ofNullable(relayCa), p2pWindow, dir);
  }
}
