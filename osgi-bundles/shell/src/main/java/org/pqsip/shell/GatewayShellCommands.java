package org.pqsip.shell;

import java.util.Arrays;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.pqsip.api.PqGateway;

/**
 * Gogo's {@code pq:gateway} ({@link GatewayCommands}); always there, and it says so when no trunk
 * gateway runs (the gateway comes and goes with {@code etc/org.pqsip.gateway.cfg}).
 */
@Component(
    service = GatewayShellCommands.class,
    property = {"osgi.command.scope=pq", "osgi.command.function=gateway"})
public final class GatewayShellCommands {
  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
  private volatile PqGateway gateway;

  /** Gogo calls this with the command name first, as for the other pq: commands. */
  public String _main(String[] argv) {
    PqGateway g = gateway;
    if (g == null) {
      return "pq:gateway: no trunk gateway runs here (etc/org.pqsip.gateway.cfg naming a gateway file starts one)";
    }
    return new GatewayCommands(g).run(Arrays.asList(argv).subList(Math.min(1, argv.length), argv.length));
  }
}
