package org.pqsip.osgi;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.pqsip.api.CallInfo;
import org.pqsip.api.PeerInfo;
import org.pqsip.api.PhoneStatus;
import org.pqsip.api.PqPhone;
import org.pqsip.media.AudioCodec;
import org.pqsip.phone.PhoneService;
import org.pqsip.phone.PhoneSettings;
import org.pqsip.sip.PhoneEvents;

/**
 * The PQ phone as a Declarative Services component: one per {@code org.pqsip.phone} configuration
 * ({@code etc/org.pqsip.phone.cfg}, or {@code org.pqsip.phone~NAME.cfg} for several), offered as
 * the {@link PqPhone} service.
 *
 * <p>A changed configuration that only alters what the next call does (policy, SDES, answering,
 * codec, tone) is applied live: calls in progress keep their keys and security. Any other change
 * (addresses, TLS, proxy, relays, user) restarts the phone: its calls end with BYE, its sockets
 * and threads are released, and a new one starts; if the new settings cannot start, the previous
 * ones are started again and the error is logged, so a typo never leaves a site without a phone.
 */
@Component(
    service = PqPhone.class,
    configurationPid = PhoneComponent.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE,
    immediate = true)
@Designate(ocd = PhoneComponentConfig.class)
public final class PhoneComponent implements PqPhone {
  public static final String PID = "org.pqsip.phone";
  private static final System.Logger LOG = System.getLogger(PhoneComponent.class.getName());

  private final String version;
  private volatile PhoneService phone;

  @Activate
  public PhoneComponent(PhoneComponentConfig config, BundleContext context) throws Exception {
    this.version = context.getBundle().getVersion().toString();
    this.phone = start(settings(config));
    LOG.log(Level.INFO, "pq phone started ({0}, policy {1})", phone.settings().transport(), phone.settings().policy());
  }

  @Modified
  void modified(PhoneComponentConfig config) throws Exception {
    PhoneService current = phone;
    PhoneSettings next;
    try {
      next = settings(config);
      current.check(next);
    } catch (IllegalArgumentException | java.io.IOException e) {
      LOG.log(Level.ERROR, "pq phone: configuration not applied ({0}); the previous one stays", e.getMessage());
      return;
    }
    if (current.canReconfigure(next)) {
      current.reconfigure(next);
      LOG.log(Level.INFO, "pq phone reconfigured live (policy {0}); calls in progress unchanged", next.policy());
      return;
    }
    current.close();
    try {
      phone = start(next);
      LOG.log(Level.INFO, "pq phone restarted with new network settings ({0})", next.transport());
    } catch (Exception e) {
      LOG.log(Level.ERROR, "pq phone: the new settings do not start ({0}); the previous ones run again", e.getMessage());
      phone = start(current.settings());
    }
  }

  @Deactivate
  void deactivate() {
    phone.close();
    LOG.log(Level.INFO, "pq phone stopped");
  }

  private PhoneService start(PhoneSettings s) throws Exception {
    return PhoneService.start(version, s, PhoneComponent::log);
  }

  /** Calls are the admin's to see with pq:calls; the log says only that something needs a look. */
  private static void log(String type, java.util.Map<String, Object> fields) {
    if (type.equals("error") || type.equals("media-warning") || type.equals("peer-changed")) {
      LOG.log(Level.WARNING, "pq phone: {0} on call {1} (pq:calls shows it)", type, fields.getOrDefault("call", 0));
    }
  }

  static PhoneSettings settings(PhoneComponentConfig c) {
    return new PhoneSettings(c.sip(), c.user(), c.policy(), c.sdes(), c.media(), codec(c.codec()), c.tone(),
        path(c.play()), path(c.record()), text(c.proxy()), c.register(), c.autoAnswer(), path(c.tlsCert()),
        path(c.tlsKey()), path(c.tlsCa()), relays(c.relays()), Optional.empty(), path(c.relaySecretFile()),
        path(c.relayCa()), c.p2pWindow(), Path.of(c.stateDir()));
  }

  private static AudioCodec codec(String name) {
    try {
      return AudioCodec.valueOf(name.trim().toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("codec must be PCMU or PCMA, not " + name);
    }
  }

  private static List<String> relays(String[] relays) {
    return relays == null ? List.of() : Arrays.stream(relays).map(String::trim).filter(r -> !r.isEmpty()).toList();
  }

  private static Optional<String> text(String s) {
    return s == null || s.isBlank() ? Optional.empty() : Optional.of(s.trim());
  }

  private static Optional<Path> path(String s) {
    return text(s).map(Path::of);
  }

  private PhoneService phone() {
    return phone;
  }

  @Override
  public PhoneStatus status() {
    return phone().status();
  }

  @Override
  public List<CallInfo> calls() {
    return phone().calls();
  }

  @Override
  public int call(String sipUri) {
    return phone().call(sipUri);
  }

  @Override
  public boolean hangup(int id) {
    return phone().hangup(id);
  }

  @Override
  public boolean confirmSas(int id) {
    return phone().confirmSas(id);
  }

  @Override
  public List<PeerInfo> peers() {
    return phone().peers();
  }

  @Override
  public boolean forget(String deviceId) {
    return phone().forget(deviceId);
  }
}
