package org.pqsip.phone;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.pqsip.ice.IceConfig;
import org.pqsip.ice.PathSettings;
import org.pqsip.ice.RelayTls;
import org.pqsip.ice.RelayUri;
import org.pqsip.keying.DeviceId;
import org.pqsip.keying.KeyingConfig;
import org.pqsip.keying.Policy;
import org.pqsip.media.AudioCodec;
import org.pqsip.media.AudioSource;
import org.pqsip.media.ToneSource;
import org.pqsip.media.Wav;
import org.pqsip.media.WavSource;
import org.pqsip.sip.PhoneConfig;
import org.pqsip.sip.SipTls;

/**
 * A phone's settings as a person writes them, on the command line ({@code ./pq phone}) or in a
 * {@code .cfg} file (the OSGi component): one parser and one set of error messages for both.
 * {@link #toConfig} checks them and builds the {@link PhoneConfig}; option names in messages are
 * the command line's ({@code --sip}), which the {@code .cfg} keys mirror ({@code sip}).
 */
public record PhoneSettings(
    String sip,
    String user,
    String policy,
    boolean sdes,
    String media,
    AudioCodec codec,
    double tone,
    Optional<Path> play,
    Optional<Path> record,
    Optional<String> proxy,
    boolean register,
    boolean autoAnswer,
    Optional<Path> tlsCert,
    Optional<Path> tlsKey,
    Optional<Path> tlsCa,
    List<String> relays,
    Optional<String> relaySecret,
    Optional<Path> relaySecretFile,
    Optional<Path> relayCa,
    String p2pWindow,
    Path stateDir) {

  public static final String DEFAULT_MEDIA = "127.0.0.1:40000-40999";
  public static final String DEFAULT_P2P_WINDOW = "800ms";

  public PhoneSettings {
    Objects.requireNonNull(sip, "--sip");
    Objects.requireNonNull(user, "--user");
    Objects.requireNonNull(policy, "--policy");
    Objects.requireNonNull(media, "--media");
    Objects.requireNonNull(codec, "--codec");
    relays = List.copyOf(relays);
    Objects.requireNonNull(p2pWindow, "--p2p-window");
    Objects.requireNonNull(stateDir, "--state-dir");
  }

  /** The settings that only change what the next call does (policy, SDES, answering). */
  public PhoneSettings withCallSettingsOf(PhoneSettings next) {
    return new PhoneSettings(sip, user, next.policy, next.sdes, media, next.codec, next.tone, next.play, next.record,
        proxy, register, next.autoAnswer, tlsCert, tlsKey, tlsCa, relays, relaySecret, relaySecretFile, relayCa,
        p2pWindow, stateDir);
  }

  /** The SIP transport as {@code pq:status} names it. */
  public String transport() {
    return sip.toLowerCase(Locale.ROOT).startsWith("tls:") ? "tls" : "udp+tcp";
  }

  /** Checks every setting and builds the phone's configuration; {@code self} is our device. */
  public PhoneConfig toConfig(DeviceId self) throws IOException {
    String[] s = sip.split(":");
    if (s.length != 3 || !(s[0].equalsIgnoreCase("tcp") || s[0].equalsIgnoreCase("udp") || s[0].equalsIgnoreCase("tls"))) {
      throw new IllegalArgumentException("--sip must look like tcp:127.0.0.1:5070 or tls:127.0.0.1:5071");
    }
    Optional<SipTls> tls = Optional.empty();
    if (s[0].equalsIgnoreCase("tls")) {
      if (tlsCert.isEmpty() || tlsKey.isEmpty()) {
        throw new IllegalArgumentException("--sip tls: needs --tls-cert and --tls-key (PEM files)");
      }
      tls = Optional.of(new SipTls(tlsCert.get(), tlsKey.get(), tlsCa));
    } else if (tlsCert.isPresent() || tlsKey.isPresent() || tlsCa.isPresent()) {
      throw new IllegalArgumentException("--tls-cert, --tls-key and --tls-ca go with --sip tls:HOST:PORT");
    }
    InetSocketAddress sipAddr = new InetSocketAddress(InetAddress.getByName(s[1]), port(s[2], "--sip"));
    int colon = media.lastIndexOf(':');
    String[] range = media.substring(colon + 1).split("-");
    if (colon <= 0 || range.length != 2) {
      throw new IllegalArgumentException("--media must look like 127.0.0.1:40000-40999");
    }
    InetAddress mediaIp = InetAddress.getByName(media.substring(0, colon));
    KeyingConfig keying;
    try {
      keying = KeyingConfig.defaults(Policy.parse(policy), self).withSdes(sdes);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--policy must be require, prefer or off; " + e.getMessage());
    }
    Supplier<AudioSource> audio;
    if (play.isPresent()) {
      short[] pcm = Wav.read(play.get());
      audio = () -> new WavSource(pcm);
    } else {
      audio = () -> new ToneSource(tone);
    }
    return new PhoneConfig(
        sipAddr, user, keying, mediaIp, port(range[0], "--media"), port(range[1], "--media"),
        codec, audio, record, proxy, autoAnswer, Duration.ofSeconds(10), tls, ice());
  }

  private IceConfig ice() throws IOException {
    if (relaySecret.isPresent() && relaySecretFile.isPresent()) {
      throw new IllegalArgumentException("give --relay-secret or --relay-secret-file, not both");
    }
    Optional<byte[]> secret = relaySecret.map(t -> t.getBytes(StandardCharsets.UTF_8));
    if (relaySecretFile.isPresent()) {
      secret = Optional.of(Files.readString(relaySecretFile.get()).strip().getBytes(StandardCharsets.UTF_8));
    }
    if (relays.isEmpty() && (secret.isPresent() || relayCa.isPresent() || !p2pWindow.equals(DEFAULT_P2P_WINDOW))) {
      throw new IllegalArgumentException("--relay-secret, --relay-ca and --p2p-window go with --relay turn:HOST:PORT");
    }
    List<RelayUri> parsed = relays.stream().map(RelayUri::parse).toList();
    if (relayCa.isPresent()) {
      RelayTls.socketFactory(relayCa); // an unreadable CA file is refused now, not at the first call
    }
    return new IceConfig(parsed, secret, relayCa, PathSettings.DEFAULTS.withP2pWindow(parseDuration(p2pWindow)));
  }

  private static int port(String text, String option) {
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + ": not a port number: " + text);
    }
  }

  /** {@code 5s}, {@code 500ms} or plain seconds. */
  public static Duration parseDuration(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
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
