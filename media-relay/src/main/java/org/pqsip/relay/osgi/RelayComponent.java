package org.pqsip.relay.osgi;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.pqsip.relay.cli.RelaySettings;
import org.pqsip.relay.net.RelayServer;

/**
 * The media relay as an optional Declarative Services component: it runs while an
 * {@code org.pqsip.relay} configuration exists ({@code etc/org.pqsip.relay.cfg}) and stops when it
 * goes. A changed configuration restarts it (there is no {@code @Modified}): every socket and
 * allocation is released and a new relay starts; phones whose allocations went re-allocate on
 * their next refresh. It logs its start and stop only, never anything per allocation.
 */
@Component(service = {}, configurationPid = RelayComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
    immediate = true)
@Designate(ocd = RelayComponentConfig.class)
public final class RelayComponent {
  public static final String PID = "org.pqsip.relay";
  private static final System.Logger LOG = System.getLogger(RelayComponent.class.getName());

  private final RelayServer server;

  @Activate
  public RelayComponent(RelayComponentConfig c) throws Exception {
    try {
      server = RelayServer.start(settings(c).toConfig());
    } catch (IllegalArgumentException e) {
      LOG.log(Level.ERROR, "pq relay: configuration refused ({0})", e.getMessage());
      throw e;
    }
    LOG.log(Level.INFO, "pq relay started ({0} udp, {1} tcp, {2} tls listeners)", server.udpAddresses().size(),
        server.tcpAddresses().size(), server.tlsAddresses().size());
  }

  @Deactivate
  void deactivate() throws InterruptedException {
    server.close();
    LOG.log(Level.INFO, "pq relay stopped");
  }

  static RelaySettings settings(RelayComponentConfig c) {
    return new RelaySettings(list(c.listen()), c.realm(), Optional.empty(), text(c.authSecretFile()).map(Path::of),
        text(c.relayIp()), c.relayPorts(), list(c.allowPeer()), c.threads() > 0 ? Optional.of(c.threads()) : Optional.empty(),
        Optional.empty(), c.udpBuffer(), c.udpIo(), c.maxAllocations(), c.maxPerUser(), c.unauthRate(),
        text(c.cert()).map(Path::of), text(c.key()).map(Path::of));
  }

  private static List<String> list(String[] values) {
    return values == null ? List.of() : Arrays.stream(values).map(String::trim).filter(v -> !v.isEmpty()).toList();
  }

  private static Optional<String> text(String s) {
    return s == null || s.isBlank() ? Optional.empty() : Optional.of(s.trim());
  }
}
