package org.pqsip.sip;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.pqsip.ice.IceConfig;
import org.pqsip.keying.KeyingConfig;
import org.pqsip.media.AudioCodec;
import org.pqsip.media.AudioSource;

/**
 * The phone's one configuration record, validated when built; the launcher and (later) the OSGi
 * component both build it.
 *
 * @param sipAddress where SIP listens (UDP and TCP on the same port, or TLS alone with {@code tls})
 * @param user our address-of-record, e.g. {@code sip:alice@pq.test}
 * @param outboundProxy next hop for every request, {@code host:port/transport}, if any
 * @param audio a fresh audio source per call
 * @param record where to write the received audio (per call, overwritten), if anywhere
 * @param revealTimeout how long an answerer waits for the pqkem reveal before giving up
 * @param tls SIP over TLS (every request and the listening port); required for SDES, whose keys
 *     travel in the SDP
 * @param ice relays and path policy; {@link IceConfig#NONE}: media goes to the peer's SDP address
 */
public record PhoneConfig(
    InetSocketAddress sipAddress,
    String user,
    KeyingConfig keying,
    InetAddress mediaAddress,
    int mediaPortMin,
    int mediaPortMax,
    AudioCodec codec,
    Supplier<AudioSource> audio,
    Optional<Path> record,
    Optional<String> outboundProxy,
    boolean autoAnswer,
    Duration revealTimeout,
    Optional<SipTls> tls,
    IceConfig ice) {

  /** A phone without relays (no ICE). */
  public PhoneConfig(InetSocketAddress sipAddress, String user, KeyingConfig keying, InetAddress mediaAddress,
      int mediaPortMin, int mediaPortMax, AudioCodec codec, Supplier<AudioSource> audio, Optional<Path> record,
      Optional<String> outboundProxy, boolean autoAnswer, Duration revealTimeout, Optional<SipTls> tls) {
    this(sipAddress, user, keying, mediaAddress, mediaPortMin, mediaPortMax, codec, audio, record, outboundProxy,
        autoAnswer, revealTimeout, tls, IceConfig.NONE);
  }

  public PhoneConfig {
    Objects.requireNonNull(sipAddress, "sipAddress");
    Objects.requireNonNull(keying, "keying");
    if (user == null || !(user.startsWith("sip:") || user.startsWith("sips:")) || !user.contains("@")) {
      throw new IllegalArgumentException("--user must be a SIP URI like sip:alice@example.org");
    }
    Objects.requireNonNull(mediaAddress, "mediaAddress");
    Objects.requireNonNull(ice, "ice");
    if (mediaAddress.isAnyLocalAddress() && !ice.enabled()) {
      // It would go into c= of our SDP, where 0.0.0.0 means "hold" (RFC 3264 §8.4), not
      // "anywhere". With ICE it means: host candidates on every interface (HostAddresses).
      throw new IllegalArgumentException("--media needs the address peers send media to, not an unspecified one like"
          + " 0.0.0.0 or :: (that takes every interface only with ICE: give --relay and a relay secret)");
    }
    if (mediaPortMin < 1024 || mediaPortMax > 65535 || mediaPortMin + 1 > mediaPortMax) {
      throw new IllegalArgumentException("media port range must lie within 1024-65535");
    }
    if (revealTimeout.isNegative() || revealTimeout.isZero()) {
      throw new IllegalArgumentException("reveal timeout must be positive");
    }
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(ice, "ice");
    if (keying.sdes() && tls.isEmpty()) {
      throw new IllegalArgumentException(
          "--sdes puts SRTP keys in the SDP in clear: it needs SIP over TLS (--sip tls:HOST:PORT with --tls-cert and --tls-key)");
    }
  }

  /** The same phone without TLS (tests of the plain transports). */
  public PhoneConfig withTls(Optional<SipTls> t) {
    return new PhoneConfig(sipAddress, user, keying, mediaAddress, mediaPortMin, mediaPortMax, codec, audio, record,
        outboundProxy, autoAnswer, revealTimeout, t, ice);
  }
}
