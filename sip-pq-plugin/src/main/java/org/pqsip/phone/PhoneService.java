package org.pqsip.phone;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.sip.SipException;
import org.pqsip.api.CallInfo;
import org.pqsip.api.PeerInfo;
import org.pqsip.api.PhoneStatus;
import org.pqsip.api.PqPhone;
import org.pqsip.crypto.KemAlgorithm;
import org.pqsip.keying.DeviceId;
import org.pqsip.keying.KeyingException;
import org.pqsip.keying.PeerRecord;
import org.pqsip.sdp.PqKemAttribute;
import org.pqsip.sip.PhoneEvents;
import org.pqsip.sip.UserAgent;
import org.pqsip.store.FilePeerStore;

/**
 * A running phone behind the {@link PqPhone} API: its peer store, user agent and call board,
 * built from {@link PhoneSettings}. The OSGi component registers one as a service; the shell
 * commands and tests drive it through the API.
 */
public final class PhoneService implements PqPhone, AutoCloseable {
  private final String version;
  private final FilePeerStore store;
  private final CallBoard board = new CallBoard();
  private final UserAgent ua;
  private volatile PhoneSettings settings;
  private volatile String registration;

  private PhoneService(String version, PhoneSettings settings, FilePeerStore store, PhoneEvents listener)
      throws IOException {
    this.version = version;
    this.settings = settings;
    this.store = store;
    this.registration = settings.register() ? "pending" : "off";
    PhoneEvents events = (type, fields) -> {
      board.event(type, fields);
      if (type.equals("registered")) {
        registration = "registered";
      } else if (type.equals("error") && Integer.valueOf(0).equals(fields.get("call")) && settings.register()) {
        registration = "failed";
      }
      listener.event(type, fields);
    };
    this.ua = new UserAgent(settings.toConfig(store.self()), store, events, new SecureRandom());
  }

  /**
   * Opens the peer store, checks the settings, starts SIP (and registers when asked).
   *
   * @throws IllegalArgumentException for settings a person must correct (the message says which)
   */
  public static PhoneService start(String version, PhoneSettings settings, PhoneEvents listener)
      throws IOException, SipException {
    FilePeerStore store = FilePeerStore.open(settings.stateDir(), settings.user(), new SecureRandom());
    PhoneService p;
    try {
      p = new PhoneService(version, settings, store, listener);
    } catch (IOException | RuntimeException e) {
      store.close();
      throw e;
    }
    try {
      p.ua.start();
    } catch (SipException | RuntimeException e) {
      p.close();
      throw e;
    }
    if (settings.register()) {
      p.ua.register(Duration.ofSeconds(300));
    }
    return p;
  }

  public PhoneSettings settings() {
    return settings;
  }

  /**
   * Whether {@code next} differs only in what the next call does (policy, SDES, auto-answer,
   * codec, audio): then {@link #reconfigure} applies it without touching calls in progress.
   */
  public boolean canReconfigure(PhoneSettings next) {
    return settings.withCallSettingsOf(next).equals(next);
  }

  /** Checks {@code next} as {@link #start} would, without applying it (bad values throw). */
  public void check(PhoneSettings next) throws IOException {
    next.toConfig(store.self());
  }

  /** Applies per-call settings to the calls that start from now (see {@link #canReconfigure}). */
  public void reconfigure(PhoneSettings next) throws IOException {
    if (!canReconfigure(next)) {
      throw new IllegalArgumentException("only policy, sdes, autoAnswer, codec, tone and play change live");
    }
    ua.reconfigure(next.toConfig(store.self()));
    settings = next;
  }

  @Override
  public PhoneStatus status() {
    PhoneSettings s = settings;
    String relay = s.relays().isEmpty() ? "none" : ua.relayAnswered() ? "answered" : "unreachable";
    return new PhoneStatus(version, "pqkem/" + PqKemAttribute.VERSION + " " + KemAlgorithm.MLKEM1024_X25519.wireName(),
        s.policy(), s.sdes(), s.transport(), registration, relay, ua.natClass().map(n -> n.token()),
        board.calls().size());
  }

  @Override
  public List<CallInfo> calls() {
    return board.calls();
  }

  @Override
  public int call(String sipUri) {
    if (sipUri == null || !(sipUri.startsWith("sip:") || sipUri.startsWith("sips:")) || !sipUri.contains("@")) {
      throw new IllegalArgumentException("not a SIP URI: give one like sip:bob@example.org");
    }
    int id = ua.call(sipUri);
    board.placed(id);
    return id;
  }

  @Override
  public boolean hangup(int id) {
    if (!board.contains(id)) {
      return false;
    }
    ua.hangup(id);
    return true;
  }

  @Override
  public boolean confirmSas(int id) {
    if (!board.contains(id)) {
      return false;
    }
    ua.verifySas(id);
    return true;
  }

  @Override
  public List<PeerInfo> peers() {
    return store.devices().stream().map(PhoneService::info).toList();
  }

  /** A remembered device as the API shows it (also {@code ./pq peers}). */
  static PeerInfo info(PeerRecord r) {
    String trust = r.verified() ? "verified" : r.proven() ? "continuity" : "unproven";
    return new PeerInfo(r.device().text(), trust, r.verified() ? r.identity() : Optional.empty());
  }

  @Override
  public boolean forget(String deviceId) {
    try {
      return store.forget(DeviceId.parse(deviceId));
    } catch (KeyingException e) {
      throw new IllegalArgumentException("not a device id: " + e.getMessage());
    }
  }

  /** Hangs up every call, stops SIP and the timers, and closes the peer store; never throws. */
  @Override
  public void close() {
    ua.close();
    store.close();
  }

  /** Events nobody listens to. */
  public static PhoneEvents ignoreEvents() {
    return (type, fields) -> { };
  }
}
