package org.pqsip.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.pqsip.api.GatewayStatus;
import org.pqsip.api.PqGateway;
import org.pqsip.api.TrunkCallInfo;

class GatewayCommandsTest {
  /** A gateway with one bridged call (3) that records verifications. */
  static final class FakeGateway implements PqGateway {
    final List<Integer> verified = new ArrayList<>();
    List<TrunkCallInfo> calls = List.of(new TrunkCallInfo(3, "to-trunk", "pq", Optional.of("tango-victor"), "new-peer"));

    @Override
    public GatewayStatus status() {
      return new GatewayStatus("require", "off", calls.size(), 5, 4, 1, 0);
    }

    @Override
    public List<TrunkCallInfo> calls() {
      return calls;
    }

    @Override
    public boolean verifyTrunk(int call) {
      verified.add(call);
      return call == 3;
    }
  }

  private final FakeGateway gateway = new FakeGateway();
  private final GatewayCommands commands = new GatewayCommands(gateway);

  @Test
  void showsCountsAndTheTrunkSasOfEachBridgedCall() {
    String out = commands.run(List.of());
    assertThat(out).startsWith("policy     trunk require, lan off\n"
        + "calls      1 now; 5 placed, 4 bridged, 1 refused by the far side, 0 without a route\n");
    assertThat(out).contains("ID", "DIRECTION", "SAS").containsPattern("3\\s+to-trunk\\s+pq\\s+tango-victor\\s+new-peer");
    gateway.calls = List.of();
    assertThat(commands.run(List.of())).doesNotContain("DIRECTION");
  }

  @Test
  void verifyConfirmsOneCallAndBadArgumentsGetOneLine() {
    assertThat(commands.run(List.of("verify", "3"))).isEqualTo(
        "call 3: trunk SAS confirmed; the far gateway is remembered as verified");
    assertThat(commands.run(List.of("verify", "9"))).isEqualTo("pq:gateway: no such call: 9");
    assertThat(commands.run(List.of("verify", "x"))).isEqualTo("pq:gateway: not a call id: x (pq:gateway lists them)");
    assertThat(commands.run(List.of("frobnicate"))).isEqualTo("pq:gateway: usage: pq:gateway [verify CALL-ID]");
    assertThat(gateway.verified).containsExactly(3, 9);
  }
}
