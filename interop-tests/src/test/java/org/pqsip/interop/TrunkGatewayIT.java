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
import org.pqsip.media.Wav;
import org.pqsip.sip.SipTls;
import org.pqsip.testing.ToneCheck;

/**
 * The trunk gateway as a site runs it, end to end with real third-party parts: at each of two
 * sites (network namespaces, {@link TrunkTopology}) a baresip phone registered with the site's
 * kamailio, whose dial plan sends the other site's numbers to the site's gateway ({@code ./pq
 * gateway}, its own JVM). baresip at site A calls baresip at site B; a capture on the link
 * between the sites shows a pqkem offer and answer and only SRTP, and captures on each site's LAN
 * show the far phone's tone arriving in what the local phone speaks.
 */
@Tag("external")
class TrunkGatewayIT {
  @TempDir Path dir;
  private TrunkTopology net;
  private TrunkSite siteA;
  private TrunkSite siteB;

  @BeforeEach
  void topology() throws Exception {
    net = TrunkTopology.create("pqgw" + ProcessHandle.current().pid() % 100000);
    siteA = new TrunkSite("a", net.in("A"), TrunkTopology.LAN_A, dir);
    siteB = new TrunkSite("b", net.in("B"), TrunkTopology.LAN_B, dir);
  }

  @AfterEach
  void cleanUp() throws Exception {
    siteA.close();
    siteB.close();
    net.close();
  }

  private static List<String> trunk(String ip, String farIp, String farPrefix) {
    return List.of("trunk.sip = tcp:" + ip + ":5080", "trunk.user = sip:gateway@trunk.test",
        "trunk.media = " + ip + ":43000-43999", "to-trunk = sip:" + farPrefix + "*@* -> sip:" + farIp + ":5080");
  }

  /** One call from site A's phone to site B's, with its captures, set up and ended. */
  private record Call(Baresip phoneA, Baresip phoneB, ExternalProcess gwA, ExternalProcess gwB, String sas, Path trunk,
      Path lanA, Path lanB, Path lanSipA) {}

  /** baresip 1001 at site A (plain, or SDES over TLS with {@code tlsAtA}) calls baresip 2001 at site B (plain). */
  private Call callFromAToB(SipTls tlsAtA) throws Exception {
    Path trunk = dir.resolve("trunk.pcap");
    Path lanA = dir.resolve("lan-a.pcap");
    Path lanB = dir.resolve("lan-b.pcap");
    Path lanSipA = dir.resolve("lan-a-sip.pcap");
    List<ExternalProcess> captures = List.of(
        siteA.capture("trunk", "tcp port 5080 or udp", trunk),
        // Each site's phone receives on 30000-30099; the gateway's LAN leg sends to it over lo.
        siteA.capture("lo", "udp dst portrange 30000-30099", lanA),
        siteB.capture("lo", "udp dst portrange 30000-30099", lanB),
        siteA.capture("lo", "tcp port 5070", lanSipA)); // PBX A <-> gateway A, when not over TLS
    ExternalProcess pbxA = siteA.pbx("1", "2", tlsAtA);
    ExternalProcess pbxB = siteB.pbx("2", "1", null);
    ExternalProcess gwA = siteA.gateway("1", tlsAtA, trunk(TrunkTopology.TRUNK_A, TrunkTopology.TRUNK_B, "2"));
    ExternalProcess gwB = siteB.gateway("2", null, trunk(TrunkTopology.TRUNK_B, TrunkTopology.TRUNK_A, "1"));
    Baresip phoneA = siteA.phone("1001@site-a.test", 440, tlsAtA);
    Baresip phoneB = siteB.phone("2001@site-b.test", 660, null);
    pbxA.awaitLine(KamailioConfig.REGISTERED, T);
    pbxB.awaitLine(KamailioConfig.REGISTERED, T);

    phoneA.dial("sip:2001@site-a.test"); // the number of site B, dialled at site A's PBX

    String bridgedA = gwA.awaitLine("\"event\":\"bridged\"", T);
    String bridgedB = gwB.awaitLine("\"event\":\"bridged\"", T);
    assertThat(bridgedA).contains("\"direction\":\"to-trunk\"", "\"security\":\"pq\"", "\"kem\":\"mlkem1024-x25519\"");
    assertThat(bridgedB).contains("\"direction\":\"from-trunk\"", "\"security\":\"pq\"");
    String sas = TrunkSite.sameSas(bridgedA, bridgedB);
    TrunkSite.awaitForwarded(gwA, "lan", 150); // site B's audio sent to phone A
    TrunkSite.awaitForwarded(gwB, "lan", 150); // site A's audio sent to phone B
    phoneA.hangup();
    gwA.awaitLine("\"event\":\"ended\"", T);
    gwB.awaitLine("\"event\":\"ended\"", T);
    for (ExternalProcess p : captures) {
      p.close();
    }
    for (ExternalProcess g : List.of(gwA, gwB)) {
      TrunkSite.assertNothingPersonal(g, "203.0.113.", "198.51.100.");
    }
    return new Call(phoneA, phoneB, gwA, gwB, sas, trunk, lanA, lanB, lanSipA);
  }

  @Test
  void plainPhonesAtTwoSitesCallEachOtherThroughTwoGateways_pqkemAndOnlySrtpOnTheTrunk() throws Exception {
    Call c = callFromAToB(null);
    TrunkSite.assertOnlyPqkem(c.trunk(), "203.0.113.");
    assertThat(TrunkSite.text(c.lanSipA())).as("the local phone's 200 OK names the trunk's security and SAS")
        .contains("X-PQ-Trunk: pq;kem=mlkem1024-x25519;sas=" + c.sas() + ";verification=new-peer");
    assertThat(TrunkSite.withTone(TrunkSite.payloads(c.lanB(), "udp"), 440)).as("phone B receives phone A's 440 Hz")
        .isGreaterThan(100);
    assertThat(TrunkSite.withTone(TrunkSite.payloads(c.lanA(), "udp"), 660)).as("phone A receives phone B's 660 Hz")
        .isGreaterThan(100);

    // And back: site B's phone calls site A's; gateway B offers now, and both know the trunk.
    c.phoneB().dial("sip:1001@site-b.test");
    String bridgedB = c.gwB().await(o -> o.contains("\"event\":\"bridged\",\"call\":2"), T, "the second call bridged");
    String bridgedA = c.gwA().await(o -> o.contains("\"event\":\"bridged\",\"call\":2"), T, "the second call bridged");
    String lineB = bridgedB.lines().filter(l -> l.contains("\"event\":\"bridged\",\"call\":2")).findFirst().orElseThrow();
    String lineA = bridgedA.lines().filter(l -> l.contains("\"event\":\"bridged\",\"call\":2")).findFirst().orElseThrow();
    assertThat(lineB).contains("\"direction\":\"to-trunk\"", "\"security\":\"pq\"", "\"verification\":\"continuity\"");
    assertThat(lineA).contains("\"direction\":\"from-trunk\"", "\"verification\":\"continuity\"");
    TrunkSite.sameSas(lineA, lineB);
    TrunkSite.awaitForwarded(c.gwA(), 2, "lan", 50);
    TrunkSite.awaitForwarded(c.gwB(), 2, "lan", 50);
    c.phoneB().hangup();
    c.gwA().await(o -> o.contains("\"event\":\"ended\",\"call\":2"), T, "the second call ended");
  }

  /**
   * Site A's phone speaks SDES over TLS (baresip srtp-mand, kamailio's tls module, the gateway's
   * LAN side policy prefer with SDES): its SDES keys stay on site A, the trunk is pqkem, and
   * site A's LAN carries SRTP, which phone A opens (its recording holds phone B's tone).
   */
  @Test
  void anSdesPhoneAtSiteA_itsKeysStayOnTheLanAndTheTrunkIsPqkem() throws Exception {
    SipTls tls = org.pqsip.sip.TestCertificate.create(Files.createDirectories(dir.resolve("cert")), "IP:" + TrunkTopology.LAN_A);
    Call c = callFromAToB(tls);
    TrunkSite.assertOnlyPqkem(c.trunk(), "203.0.113.");
    List<byte[]> toPhoneA = TrunkSite.payloads(c.lanA(), "udp");
    assertThat(toPhoneA.size()).as("media packets to phone A").isGreaterThan(150);
    assertThat(TrunkSite.withTone(toPhoneA, 660)).as("SRTP on site A's LAN: no plaintext").isZero();
    assertThat(TrunkSite.withTone(TrunkSite.payloads(c.lanB(), "udp"), 440)).as("phone B receives phone A's 440 Hz")
        .isGreaterThan(100);
    c.phoneA().close(); // baresip completes its recording as it exits
    assertThat(ToneCheck.dominates(Wav.read(c.phoneA().received()), 660)).as("phone A opens SDES and hears 660 Hz").isTrue();
  }
}
