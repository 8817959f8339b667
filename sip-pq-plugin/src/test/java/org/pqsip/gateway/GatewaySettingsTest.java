package org.pqsip.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pqsip.keying.Policy;

/** The gateway's configuration file: the shipped sample parses, and each mistake is named. */
class GatewaySettingsTest {
  @TempDir Path dir;

  /** The shipped sample, with its state directory moved into the test's. */
  private List<String> sample() throws Exception {
    List<String> lines = new ArrayList<>(Files.readAllLines(Path.of("dist/gateway.conf")));
    lines.replaceAll(l -> l.startsWith("state-dir") ? "state-dir = " + dir.resolve("state") : l);
    // The sample's addresses are documentation ones; loopback binds nothing here, it is only parsed.
    return lines;
  }

  @Test
  void theShippedSampleParses() throws Exception {
    GatewayConfig c = GatewaySettings.parse(sample(), dir);
    assertThat(c.lan().keying().policy()).isEqualTo(Policy.OFF);
    assertThat(c.trunk().keying().policy()).isEqualTo(Policy.REQUIRE);
    assertThat(c.toTrunk().route("sip:2001@site-b.example")).get()
        .extracting(RouteTable.Route::nextHop).isEqualTo("sip:198.51.100.20:5080");
    assertThat(c.toLan().route("sip:1001@198.51.100.10")).isPresent();
    assertThat(c.stateDir()).isEqualTo(dir.resolve("state"));
    assertThat(c.lan().autoAnswer()).isFalse();
  }

  @Test
  void aStateDirGivenOnTheCommandLineWinsOverTheFiles() throws Exception {
    Path file = dir.resolve("gateway.conf");
    Files.write(file, sample());
    Path elsewhere = dir.resolve("elsewhere");
    assertThat(GatewaySettings.read(file, java.util.Optional.of(elsewhere)).stateDir()).isEqualTo(elsewhere);
    assertThat(GatewaySettings.read(file, java.util.Optional.empty()).stateDir()).isEqualTo(dir.resolve("state"));
  }

  private String error(List<String> lines) {
    try {
      GatewaySettings.parse(lines, dir);
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("accepted: " + lines);
  }

  private List<String> with(String replaceKey, String line) throws Exception {
    List<String> l = new ArrayList<>(sample());
    l.removeIf(x -> x.startsWith(replaceKey + " ") || x.startsWith(replaceKey + "="));
    if (line != null) {
      l.add(line);
    }
    return l;
  }

  @Test
  void mistakesAreRefusedByNameOrLine() throws Exception {
    assertThat(error(with("lan.sip", null))).isEqualTo("lan.sip is missing");
    assertThat(error(with("trunk.policy", "trunk.policy = off"))).contains("trunk.policy off");
    assertThat(error(with("lan.colour", "lan.colour = blue"))).contains("unknown key lan.colour");
    assertThat(error(with("nonsense", "nonsense = 1"))).contains("unknown key nonsense");
    List<String> twice = with("lan.user", "lan.user = sip:a@b");
    twice.add("lan.user = sip:c@d");
    assertThat(error(twice)).contains(": lan.user given twice");
    List<String> badRoute = new ArrayList<>(sample());
    badRoute.add("to-trunk = sip:3* -> sip:198.51.100.30:5080");
    assertThat(error(badRoute)).isEqualTo("to-trunk route line " + badRoute.size()
        + ": pattern must look like sip:USER@HOST (* for any)");
    assertThat(error(List.of("lan.sip = tcp:127.0.0.1:5070", "lan.user = sip:g@a", "trunk.sip = tcp:127.0.0.1:5080",
        "trunk.user = sip:g@a"))).startsWith("no routes");
    assertThat(error(List.of("just words"))).isEqualTo("line 1: needs KEY = VALUE");
  }

  @Test
  void aCallKeepsItsUserAndGoesToTheNextHop() {
    assertThat(TrunkGateway.retarget("sip:2001@site-b.example;user=phone", "sip:198.51.100.20:5080"))
        .isEqualTo("sip:2001@198.51.100.20:5080");
    assertThat(TrunkGateway.retarget("sip:2001@site-b.example", "sips:gw-b.example:5061;transport=tls"))
        .isEqualTo("sips:2001@gw-b.example:5061;transport=tls");
    assertThat(TrunkGateway.retarget("sip:2001@site-b.example", "sip:operator@pbx.example"))
        .isEqualTo("sip:operator@pbx.example");
  }

  @Test
  void theFarSidesRefusalIsPassedOnExceptWhatConcernsTheGatewayItself() {
    assertThat(TrunkGateway.passOn(486)).isEqualTo(486);
    assertThat(TrunkGateway.passOn(404)).isEqualTo(404);
    assertThat(TrunkGateway.passOn(488)).isEqualTo(488);
    assertThat(TrunkGateway.passOn(407)).as("the far proxy's challenge is for the gateway, not the phone").isEqualTo(480);
    assertThat(TrunkGateway.passOn(0)).isEqualTo(503);
  }

  @Test
  void theTrunkHeaderCarriesOnlyTokens() {
    String h = TrunkGateway.trunkHeader(Map.of("security", "pq", "kem", "mlkem1024-x25519", "sas", "tango-42 \"x\"",
        "verification", "verified"));
    assertThat(h).startsWith("pq;").contains(";kem=mlkem1024-x25519").contains(";sas=tango-42x").contains(";verification=verified");
    assertThat(h).doesNotContain(" ", "\"", "\r", "\n");
  }
}
