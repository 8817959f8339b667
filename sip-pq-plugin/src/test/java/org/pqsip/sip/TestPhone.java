package org.pqsip.sip;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Optional;
import org.pqsip.keying.KeyingConfig;
import org.pqsip.keying.Policy;
import org.pqsip.media.AudioCodec;
import org.pqsip.media.ToneSource;
import org.pqsip.store.FilePeerStore;

/** A real user agent on loopback for tests, with its events, store and recording. */
public record TestPhone(String name, int port, UserAgent ua, EventLog log, FilePeerStore store, Path recording, boolean tls)
    implements AutoCloseable {
  /** Stops the phone, then writes its peer store (before a test's temporary directory goes). */
  @Override
  public void close() {
    ua.close();
    store.close();
  }

  public String uri() {
    return "sip:" + name + "@127.0.0.1:" + port + (tls ? ";transport=tls" : "");
  }

  /** Options for {@link #start}. */
  public record Options(
      Policy policy, boolean sdes, boolean autoAnswer, double toneHz, Optional<String> proxy, Optional<SipTls> tls) {
    public static Options of(Policy policy, boolean autoAnswer) {
      return new Options(policy, false, autoAnswer, 440, Optional.empty(), Optional.empty());
    }

    /** SDES keys travel in the SDP: only over TLS signalling (the phone refuses otherwise). */
    public Options withSdes(SipTls t) {
      return new Options(policy, true, autoAnswer, toneHz, proxy, Optional.of(t));
    }

    public Options withTls(SipTls t) {
      return new Options(policy, sdes, autoAnswer, toneHz, proxy, Optional.of(t));
    }

    public Options withTone(double hz) {
      return new Options(policy, sdes, autoAnswer, hz, proxy, tls);
    }

    public Options withProxy(String p) {
      return new Options(policy, sdes, autoAnswer, toneHz, Optional.of(p), tls);
    }
  }

  /** SIP on {@code port} (UDP+TCP), media on ports from {@code mediaBase}. */
  public static TestPhone start(String name, int port, int mediaBase, Path dir, Options o) throws Exception {
    SecureRandom r = new SecureRandom();
    FilePeerStore store = FilePeerStore.open(dir.resolve(name), "sip:" + name + "@pq.test", r);
    KeyingConfig keying = KeyingConfig.defaults(o.policy(), store.self()).withSdes(o.sdes());
    Path recording = dir.resolve(name + ".wav");
    InetAddress lo = InetAddress.getLoopbackAddress();
    PhoneConfig c =
        new PhoneConfig(
            new InetSocketAddress(lo, port), "sip:" + name + "@pq.test", keying, lo,
            mediaBase, mediaBase + 99, AudioCodec.PCMU, () -> new ToneSource(o.toneHz()),
            Optional.of(recording), o.proxy(), o.autoAnswer(), Duration.ofSeconds(4), o.tls());
    EventLog log = new EventLog(name);
    UserAgent ua = new UserAgent(c, store, log, r);
    ua.start();
    return new TestPhone(name, port, ua, log, store, recording, o.tls().isPresent());
  }
}
