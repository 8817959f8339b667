package org.pqsip.osgi;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.List;
import org.pqsip.api.GatewayStatus;
import org.pqsip.api.PqGateway;
import org.pqsip.api.TrunkCallInfo;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.pqsip.gateway.GatewayConfig;
import org.pqsip.gateway.GatewaySettings;
import org.pqsip.gateway.TrunkGateway;

/**
 * The PQ trunk gateway as an optional Declarative Services component: it runs while an
 * {@code org.pqsip.gateway} configuration exists ({@code etc/org.pqsip.gateway.cfg}, naming the
 * gateway's configuration file) and stops when it goes. A changed configuration restarts it (its
 * calls end with BYE). Like the relay it logs its start and stop only, never anything per call;
 * it offers {@link PqGateway} ({@code pq:gateway}: counts, the calls bridged now and their trunk
 * SAS).
 */
@Component(service = PqGateway.class, configurationPid = GatewayComponent.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true)
@Designate(ocd = GatewayComponentConfig.class)
public final class GatewayComponent implements PqGateway {
  public static final String PID = "org.pqsip.gateway";
  private static final System.Logger LOG = System.getLogger(GatewayComponent.class.getName());

  private final TrunkGateway gateway;

  @Activate
  public GatewayComponent(GatewayComponentConfig c) throws Exception {
    GatewayConfig config;
    try {
      config = GatewaySettings.read(Path.of(c.file()),
          c.stateDir().isBlank() ? java.util.Optional.empty() : java.util.Optional.of(Path.of(c.stateDir().trim())));
    } catch (IllegalArgumentException | java.io.IOException e) {
      LOG.log(Level.ERROR, "pq gateway: configuration refused ({0})", e.getMessage());
      throw e;
    }
    gateway = TrunkGateway.start(config, (type, fields) -> { }); // no per-call record: counts only
    LOG.log(Level.INFO, "pq gateway started ({0} routes to the trunk, {1} to the site)", config.toTrunk().size(),
        config.toLan().size());
  }

  @Override
  public GatewayStatus status() {
    return gateway.status();
  }

  @Override
  public List<TrunkCallInfo> calls() {
    return gateway.calls();
  }

  @Override
  public boolean verifyTrunk(int call) {
    return gateway.verifyTrunk(call);
  }

  @Deactivate
  void deactivate() {
    gateway.close();
    LOG.log(Level.INFO, "pq gateway stopped");
  }
}
