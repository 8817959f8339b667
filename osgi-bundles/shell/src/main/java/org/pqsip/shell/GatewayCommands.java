package org.pqsip.shell;

import java.util.ArrayList;
import java.util.List;
import org.pqsip.api.GatewayStatus;
import org.pqsip.api.PqGateway;
import org.pqsip.api.TrunkCallInfo;

/**
 * {@code pq:gateway} as text in, text out: the trunk gateway's counts and the calls it bridges now
 * with their trunk SAS; {@code pq:gateway verify ID} when the far site's admin read the same SAS.
 * No I/O: {@link GatewayShellCommands} hands it to Gogo.
 */
public final class GatewayCommands {
  private final PqGateway gateway;

  public GatewayCommands(PqGateway gateway) {
    this.gateway = gateway;
  }

  /** {@code pq:gateway [verify ID]}; returns what to print. */
  public String run(List<String> args) {
    if (args.isEmpty()) {
      return show();
    }
    if (args.size() == 2 && args.get(0).equals("verify")) {
      int id;
      try {
        id = Integer.parseInt(args.get(1));
      } catch (NumberFormatException e) {
        return "pq:gateway: not a call id: " + args.get(1) + " (pq:gateway lists them)";
      }
      return gateway.verifyTrunk(id)
          ? "call " + id + ": trunk SAS confirmed; the far gateway is remembered as verified"
          : "pq:gateway: no such call: " + id;
    }
    return "pq:gateway: usage: pq:gateway [verify CALL-ID]";
  }

  private String show() {
    GatewayStatus s = gateway.status();
    String head = String.join("\n",
        "policy     trunk " + s.trunkPolicy() + ", lan " + s.lanPolicy(),
        "calls      " + s.counts());
    List<TrunkCallInfo> calls = gateway.calls();
    if (calls.isEmpty()) {
      return head;
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"ID", "DIRECTION", "TRUNK", "SAS", "VERIFICATION"});
    for (TrunkCallInfo c : calls) {
      rows.add(new String[] {String.valueOf(c.id()), c.direction(), c.security(), c.sas().orElse("-"), c.verification()});
    }
    return head + "\n" + Table.format(rows);
  }
}
