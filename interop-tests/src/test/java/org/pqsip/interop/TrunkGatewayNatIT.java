package org.pqsip.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pqsip.interop.TrunkSite.T;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trunk gateway across NATs: each site's gateway sits behind its site's router (site A an
 * endpoint-independent NAT, site B an address-dependent, "symmetric" one), registers its trunk
 * side with a carrier's SIP proxy (kamailio on the public segment, routing each site's number
 * range to that site's registered gateway) and uses our relay for ICE ({@link NatCallLab}). Each
 * site's PBX and baresip phone sit on the gateway host's loopback. baresip at site A calls site B:
 * the trunk leg is pqkem over the relay (P2P cannot cross the symmetric NAT), and each phone
 * receives the other's tone.
 */
@Tag("external")
class TrunkGatewayNatIT {
  @TempDir Path dir;
  private NatCallLab lab;
  private TrunkSite siteA;
  private TrunkSite siteB;

  @BeforeEach
  void lab() throws Exception {
    lab = NatCallLab.start("pqgn" + ProcessHandle.current().pid() % 100000, NatTopology.Mapping.ENDPOINT_INDEPENDENT,
        NatTopology.Mapping.ADDRESS_DEPENDENT, dir,
        KamailioConfig.trunkRoute("1", "gw-a") + "\n" + KamailioConfig.trunkRoute("2", "gw-b"));
    siteA = new TrunkSite("a", lab.net().in("hA"), "127.0.0.1", dir);
    siteB = new TrunkSite("b", lab.net().in("hB"), "127.0.0.1", dir);
  }

  @AfterEach
  void cleanUp() throws Exception {
    siteA.close();
    siteB.close();
    lab.close();
  }

  /** The trunk side behind the site's NAT: registered with the carrier, ICE through our relay. */
  private List<String> trunk(String host, String user) throws Exception {
    Path secret = dir.resolve("relay.secret");
    Files.writeString(secret, NatCallLab.SECRET + "\n");
    return List.of("trunk.sip = tcp:" + host + ":5080", "trunk.user = sip:" + user + "@pq.test",
        "trunk.media = " + host + ":43000-43999", "trunk.proxy = " + NatTopology.RELAY_IP + ":5060/tcp",
        "trunk.register = true", "trunk.relay = turn:" + NatTopology.RELAY_IP + ":3478",
        "trunk.relay-secret-file = " + secret,
        // Every other site's number goes to the carrier, which knows where each site's gateway is.
        "to-trunk = sip:*@* -> sip:" + NatTopology.RELAY_IP + ":5060");
  }

  @Test
  void plainPhonesAtTwoSitesBehindNats_theTrunkGoesPqkemThroughTheRelay() throws Exception {
    Path trunkPcap = dir.resolve("trunk-a.pcap");
    Path lanA = dir.resolve("lan-a.pcap");
    Path lanB = dir.resolve("lan-b.pcap");
    List<ExternalProcess> captures = List.of(
        siteA.capture("eth0", "tcp port 5080 or tcp port 5060 or udp", trunkPcap), // all that leaves site A's gateway host
        siteA.capture("lo", "udp dst portrange 30000-30099", lanA),
        siteB.capture("lo", "udp dst portrange 30000-30099", lanB));
    ExternalProcess pbxA = siteA.pbx("1", "2", null);
    ExternalProcess pbxB = siteB.pbx("2", "1", null);
    ExternalProcess gwA = siteA.gateway("1", null, trunk(NatTopology.HOST_A, "gw-a"));
    ExternalProcess gwB = siteB.gateway("2", null, trunk(NatTopology.HOST_B, "gw-b"));
    lab.kamailio().await(o -> TrunkSite.count(o, KamailioConfig.REGISTERED) >= 2, T, "both gateways registered");
    Baresip phoneA = siteA.phone("1001@site-a.test", 440, null);
    siteB.phone("2001@site-b.test", 660, null);
    pbxA.awaitLine(KamailioConfig.REGISTERED, T);
    pbxB.awaitLine(KamailioConfig.REGISTERED, T);

    phoneA.dial("sip:2001@site-a.test");

    String bridgedA = gwA.awaitLine("\"event\":\"bridged\"", T);
    String bridgedB = gwB.awaitLine("\"event\":\"bridged\"", T);
    assertThat(bridgedA).contains("\"security\":\"pq\"", "\"path\":\"relay\"");
    assertThat(bridgedB).contains("\"security\":\"pq\"", "\"path\":\"relay\"");
    TrunkSite.sameSas(bridgedA, bridgedB);
    TrunkSite.awaitForwarded(gwA, "lan", 150);
    TrunkSite.awaitForwarded(gwB, "lan", 150);
    phoneA.hangup();
    gwA.awaitLine("\"event\":\"ended\"", T);
    gwB.awaitLine("\"event\":\"ended\"", T);
    for (ExternalProcess p : captures) {
      p.close();
    }

    TrunkSite.assertOnlyPqkem(trunkPcap, "127.0.0.1");
    assertThat(TrunkSite.withTone(TrunkSite.payloads(lanB, "udp"), 440)).as("phone B receives phone A's 440 Hz")
        .isGreaterThan(100);
    assertThat(TrunkSite.withTone(TrunkSite.payloads(lanA, "udp"), 660)).as("phone A receives phone B's 660 Hz")
        .isGreaterThan(100);
    for (ExternalProcess g : List.of(gwA, gwB)) {
      TrunkSite.assertNothingPersonal(g, "198.51.100.", "203.0.113.");
    }
  }
}
