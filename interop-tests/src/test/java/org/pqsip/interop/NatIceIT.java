package org.pqsip.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NAT discovery, and PQ calls between two phones behind their own NAT routers, as users run them ({@code ./pq
 * phone --relay … --proxy … --register}), in namespaces this test creates ({@link NatTopology}):
 * kamailio (registrar and proxy) and our relay on the public segment. Each scenario asserts
 * the path both phones report in {@code established}, the same SAS on both, and media received
 * both ways over it.
 */
@Tag("external")
class NatIceIT {
  static final Duration T = NatCallLab.T;
  @TempDir Path dir;
  private NatCallLab lab;

  @AfterEach
  void cleanUp() throws Exception {
    if (lab != null) {
      lab.close(); // the processes it started, by handle, and its namespaces
    }
  }

  private void publicServices(NatTopology.Mapping a, NatTopology.Mapping b) throws Exception {
    lab = NatCallLab.start("pqi" + (ProcessHandle.current().pid() % 100000), a, b, dir);
  }

  private ExternalProcess phone(String role, String ip, String... extra) throws Exception {
    return lab.phone(role, ip, extra);
  }

  /** hB answers, hA calls it by its address of record ({@code aExtra}: more options for hA); both report established. */
  private String[] call(String... aExtra) throws Exception {
    ExternalProcess b = phone("hB", NatTopology.HOST_B, "--auto-answer", "--exit-after", "1");
    b.awaitLine("\"event\":\"registered\"", T);
    List<String> aArgs = new ArrayList<>(List.of("--call", "sip:hB@pq.test", "--duration", "3s"));
    aArgs.addAll(List.of(aExtra));
    ExternalProcess a = phone("hA", NatTopology.HOST_A, aArgs.toArray(String[]::new));
    String ea = a.awaitLine("\"event\":\"established\"", T);
    String eb = b.awaitLine("\"event\":\"established\"", T);
    assertThat(PhoneOutput.sas(ea)).isEqualTo(PhoneOutput.sas(eb)).isNotEmpty();
    a.awaitLine("\"event\":\"ended\"", T);
    b.awaitLine("\"event\":\"ended\"", T);
    assertThat(PhoneOutput.lastPacketsReceived(a.output())).as("hB -> hA").isGreaterThan(50);
    assertThat(PhoneOutput.lastPacketsReceived(b.output())).as("hA -> hB").isGreaterThan(50);
    receivedWhatWasSent(a, b, 0);
    receivedWhatWasSent(b, a, 0);
    assertThat(a.output() + b.output()).doesNotContain("\"event\":\"rekeyed\"");
    return new String[] {ea, eb};
  }

  /** Packets at the edges: sent before the receiver's media started or after its call ended. */
  private static final long EDGE_PACKETS = 25;

  /**
   * {@code to} received what {@code from} sent, less the edges of the call, and lost at most
   * {@code gapLoss} packets inside it (sequence numbers it never saw: a measured switch gap).
   */
  private static void receivedWhatWasSent(ExternalProcess from, ExternalProcess to, long gapLoss) {
    long sent = (long) PhoneOutput.lastMedia(from.output(), "packetsSent");
    long received = (long) PhoneOutput.lastMedia(to.output(), "packetsReceived");
    assertThat((long) PhoneOutput.lastMedia(to.output(), "packetsLost")).as("lost inside the call").isBetween(0L, gapLoss);
    assertThat(received).as("received of " + sent + " sent").isGreaterThanOrEqualTo(sent - EDGE_PACKETS - gapLoss);
  }

  /**
   * NAT discovery as each phone does it at start: the relay listens on two public addresses
   * (RFC 5780 OTHER-ADDRESS) and each phone's {@code ready} line names its NAT class.
   */
  @Test
  void eachPhoneLearnsItsNatClassFromTheRelaysTwoAddresses() throws Exception {
    publicServices(NatTopology.Mapping.ENDPOINT_INDEPENDENT, NatTopology.Mapping.ADDRESS_DEPENDENT);
    assertThat(phone("hA", NatTopology.HOST_A).awaitLine("\"event\":\"ready\"", T)).contains("\"nat\":\"endpoint-independent\"");
    assertThat(phone("hB", NatTopology.HOST_B).awaitLine("\"event\":\"ready\"", T)).contains("\"nat\":\"address-dependent\"");
    assertThat(phone("srv", NatTopology.RELAY_IP2).awaitLine("\"event\":\"ready\"", T)).contains("\"nat\":\"open\"");
    assertThat(lab.relay().output()).as("the relay says nothing per client").doesNotContain("198.51.100").doesNotContain("203.0.113.2");
  }

  /**
   * Sovereignty: a capture of everything on the public segment during a whole call (start-up,
   * NAT discovery, registration, ICE, media, teardown) shows packets only between the phones'
   * routers, the relay and the proxy, plus ICE checks towards the peer's own host candidate:
   * no DNS, no cloud metadata service, no public STUN, nothing else.
   */
  @Test
  void aWholeCallContactsNobodyButThePeersTheProxyAndTheRelay() throws Exception {
    publicServices(NatTopology.Mapping.ENDPOINT_INDEPENDENT, NatTopology.Mapping.ENDPOINT_INDEPENDENT);
    Path pcap = dir.resolve("public.pcap");
    try (ExternalProcess capture = ExternalProcess.start("tshark",
        lab.net().in("pub", "tshark", "-i", "br0", "-f", "ip", "-w", pcap.toString()))) {
      capture.awaitLine("Capturing on", T);
      call();
    }
    ExternalProcess read = ExternalProcess.start("tshark-read", List.of("tshark", "-r", pcap.toString(),
        "-T", "fields", "-e", "ip.src", "-e", "ip.dst", "-e", "udp.dstport"));
    read.waitForExit(T);
    java.util.Set<String> known = java.util.Set.of("203.0.113.2", "203.0.113.3", NatTopology.RELAY_IP,
        NatTopology.RELAY_IP2, NatTopology.HOST_A, NatTopology.HOST_B);
    long packets = 0;
    for (String line : read.output().split("\n")) {
      String[] f = line.trim().split("\t");
      if (f.length < 2 || !f[0].matches("[0-9.]+")) {
        continue;
      }
      packets++;
      assertThat(known).as("source of: " + line).contains(f[0]);
      assertThat(known).as("destination of: " + line).contains(f[1]);
      assertThat(f.length > 2 ? f[2] : "").as("no DNS: " + line).isNotEqualTo("53");
    }
    assertThat(packets).as("the capture saw the call").isGreaterThan(200);
  }

  /**
   * Interop: our phone (policy off: baresip has no pqkem) behind one NAT calls baresip with its
   * own ICE (ice module, our relay as its TURN server) behind the other; the call is
   * established over ICE and audio flows both ways.
   */
  @Test
  void ourPhoneCallsBaresipWithIceAcrossTheNats() throws Exception {
    publicServices(NatTopology.Mapping.ENDPOINT_INDEPENDENT, NatTopology.Mapping.ENDPOINT_INDEPENDENT);
    String[] turn = turnCredentials("baresip");
    try (Baresip carol = Baresip.startWithIce(dir.resolve("baresip"), lab.net().in("hB"), NatTopology.HOST_B, "hB@pq.test",
        NatTopology.RELAY_IP + ":5060", NatTopology.RELAY_IP + ":3478", turn[0], turn[1])) {
      carol.process.awaitLine("200 OK", T); // registered with kamailio
      ExternalProcess a = phone("hA", NatTopology.HOST_A, "--policy", "off", "--call", "sip:hB@pq.test", "--duration", "4s");
      String established = a.awaitLine("\"event\":\"established\"", T);
      assertThat(established).contains("\"security\":\"none\"").containsPattern("\"path\":\"(p2p|relay)\"");
      a.awaitLine("\"event\":\"ended\"", T);
      assertThat(PhoneOutput.lastPacketsReceived(a.output())).as("baresip -> our phone").isGreaterThan(50);
      carol.process.awaitLine("Call established", T);
      carol.process.awaitLine("connectivity check is complete", T); // baresip's own ICE did the checks
      assertThat(carol.process.awaitLine("incoming rtp for 'audio' established", T)).as("our phone -> baresip").isNotEmpty();
    }
  }

  /**
   * Interop the other way: baresip with ICE (controlling: it calls) behind one NAT calls our
   * phone (policy off, controlled) behind the other; our phone follows baresip's nomination and
   * audio flows both ways.
   */
  @Test
  void baresipWithIceCallsOurPhoneAcrossTheNats() throws Exception {
    publicServices(NatTopology.Mapping.ENDPOINT_INDEPENDENT, NatTopology.Mapping.ENDPOINT_INDEPENDENT);
    String[] turn = turnCredentials("baresip");
    ExternalProcess a = phone("hA", NatTopology.HOST_A, "--policy", "off", "--auto-answer", "--exit-after", "1");
    a.awaitLine("\"event\":\"registered\"", T);
    try (Baresip carol = Baresip.startWithIce(dir.resolve("baresip"), lab.net().in("hB"), NatTopology.HOST_B, "hB@pq.test",
        NatTopology.RELAY_IP + ":5060", NatTopology.RELAY_IP + ":3478", turn[0], turn[1])) {
      carol.process.awaitLine("200 OK", T); // registered with kamailio
      carol.dial("sip:hA@pq.test");
      String established = a.awaitLine("\"event\":\"established\"", T);
      assertThat(established).contains("\"security\":\"none\"").containsPattern("\"path\":\"(p2p|relay)\"");
      carol.process.awaitLine("connectivity check is complete", T);
      assertThat(carol.process.awaitLine("incoming rtp for 'audio' established", T)).as("our phone -> baresip").isNotEmpty();
      a.await(o -> PhoneOutput.lastPacketsReceived(o) > 50, T, "baresip -> our phone");
    }
  }

  /**
   * Interop with linphone's ICE (STUN, TURN over UDP and ICE, all on our relay), both ways: our
   * phone (policy off: linphone has no pqkem) behind one NAT calls linphone behind the other,
   * then linphone calls our phone. Our phone reports the path ICE found; audio flows both ways
   * (packet counts on our side, linphone's recording of our 440 Hz tone on its side).
   */
  @Test
  void ourPhoneAndLinphoneWithIceCallEachOtherAcrossTheNats() throws Exception {
    publicServices(NatTopology.Mapping.ENDPOINT_INDEPENDENT, NatTopology.Mapping.ENDPOINT_INDEPENDENT);
    String[] turn = turnCredentials("linphone");
    Path tone = Baresip.toneWav(dir.resolve("tone880.wav"), 880);
    try (Linphone lin = Linphone.startWithIce(dir.resolve("linphone"), lab.net().in("hB"), "hB@pq.test",
        NatTopology.RELAY_IP + ":5060", NatTopology.RELAY_IP + ":3478", "pq.test", turn[0], turn[1], true)) {
      lab.kamailio().awaitLine(KamailioConfig.REGISTERED, T);
      ExternalProcess a = phone("hA", NatTopology.HOST_A, "--policy", "off", "--call", "sip:hB@pq.test", "--duration", "4s");
      assertThat(a.awaitLine("\"event\":\"established\"", T))
          .contains("\"security\":\"none\"").containsPattern("\"path\":\"(p2p|relay)\"");
      lin.awaitCalls(" connected", 1);
      lin.send("play " + tone);
      a.awaitLine("\"event\":\"ended\"", T);
      assertThat(PhoneOutput.lastPacketsReceived(a.output())).as("linphone -> our phone").isGreaterThan(50);
      lin.awaitCalls(" ended", 1);
      lab.stopPhones();

      ExternalProcess b = phone("hA", NatTopology.HOST_A, "--policy", "off", "--auto-answer", "--exit-after", "1",
          "--duration", "4s");
      b.awaitLine("\"event\":\"registered\"", T);
      Path heard = dir.resolve("linphone-heard.wav");
      lin.send("call sip:hA@pq.test");
      lin.awaitCalls(" connected", 2);
      lin.send("play " + tone);
      lin.send("record " + heard);
      assertThat(b.awaitLine("\"event\":\"established\"", T))
          .contains("\"security\":\"none\"").containsPattern("\"path\":\"(p2p|relay)\"");
      b.awaitLine("\"event\":\"ended\"", T);
      assertThat(PhoneOutput.lastPacketsReceived(b.output())).as("linphone -> our phone").isGreaterThan(50);
      lin.awaitCalls(" ended", 2);
      lin.send("quit"); // linphone completes the recording's WAV header as it closes it
      lin.process.waitForExit(T);
      assertThat(org.pqsip.testing.ToneCheck.dominates(org.pqsip.media.Wav.read(heard), 440))
          .as("linphone hears our 440 Hz tone").isTrue();
    }
  }

  private static String[] turnCredentials(String user) {
    return new org.pqsip.stun.RestCredentials(NatCallLab.SECRET.getBytes(java.nio.charset.StandardCharsets.UTF_8), "pq.test")
        .mint(System.currentTimeMillis() / 1000 + 600, user);
  }

  /**
   * {@code --media 0.0.0.0:…} with ICE: host candidates on every interface of hA's host that is
   * up (here its one LAN address; loopback is left out), the default address in the SDP is that
   * address (never 0.0.0.0, which would mean hold), and the PQ call goes P2P with audio both ways.
   */
  @Test
  void mediaOnEveryInterface_theHostCandidatesAreTheInterfaceAddresses() throws Exception {
    publicServices(NatTopology.Mapping.ENDPOINT_INDEPENDENT, NatTopology.Mapping.ENDPOINT_INDEPENDENT);
    ExternalProcess b = phone("hB", NatTopology.HOST_B, "--auto-answer", "--exit-after", "1");
    b.awaitLine("\"event\":\"registered\"", T);
    Path pcap = dir.resolve("sip.pcap");
    ExternalProcess a;
    String ea;
    String eb;
    try (ExternalProcess capture = ExternalProcess.start("tshark",
        lab.net().in("pub", "tshark", "-i", "br0", "-f", "tcp port 5060", "-w", pcap.toString()))) {
      capture.awaitLine("Capturing on", T);
      a = lab.phoneWithMedia("hA", NatTopology.HOST_A, "0.0.0.0:40000-40099", "--call", "sip:hB@pq.test",
          "--duration", "3s");
      assertThat(a.awaitLine("\"event\":\"ready\"", T)).contains("\"nat\":\"endpoint-independent\"");
      ea = a.awaitLine("\"event\":\"established\"", T);
      eb = b.awaitLine("\"event\":\"established\"", T);
      a.awaitLine("\"event\":\"ended\"", T);
      b.awaitLine("\"event\":\"ended\"", T);
    }
    assertThat(ea).contains("\"path\":\"p2p\"");
    assertThat(PhoneOutput.sas(ea)).isEqualTo(PhoneOutput.sas(eb)).isNotEmpty();
    ExternalProcess read = ExternalProcess.start("tshark-read", List.of("tshark", "-r", pcap.toString(), "-Y",
        "sip.Method == \"INVITE\"", "-T", "fields", "-e", "sdp.connection_info", "-e", "sdp.media_attr"));
    read.waitForExit(T);
    String offer = read.output().lines().filter(l -> l.contains("candidate")).findFirst().orElse(read.output());
    assertThat(offer).as("hA's INVITE").contains("IN IP4 " + NatTopology.HOST_A)
        .contains(NatTopology.HOST_A + " 40").contains("typ host").doesNotContain("0.0.0.0").doesNotContain("127.0.0.1");
    receivedWhatWasSent(a, b, 0);
    receivedWhatWasSent(b, a, 0);
  }

  @Test
  void bothNatsEndpointIndependent_theCallGoesP2p() throws Exception {
    publicServices(NatTopology.Mapping.ENDPOINT_INDEPENDENT, NatTopology.Mapping.ENDPOINT_INDEPENDENT);
    String[] e = call();
    assertThat(e[0]).contains("\"path\":\"p2p\"");
    assertThat(e[1]).contains("\"path\":\"p2p\"");
  }

  @Test
  void oneSymmetricNat_theCallGoesThroughTheRelay() throws Exception {
    publicServices(NatTopology.Mapping.ENDPOINT_INDEPENDENT, NatTopology.Mapping.ADDRESS_DEPENDENT);
    String[] e = call();
    assertThat(e[0]).contains("\"path\":\"relay\"");
    assertThat(e[1]).contains("\"path\":\"relay\"");
  }

  /**
   * Mid-call: after 3 s of audio on P2P, UDP between the sites is cut; media moves to the warm
   * relay path (make before break) within a quarter second of the last packet, with the same
   * keys; once the cut is lifted, the call goes back to P2P.
   */
  @Test
  void p2pCutMidCall_mediaMovesToTheRelayAndBack() throws Exception {
    publicServices(NatTopology.Mapping.ENDPOINT_INDEPENDENT, NatTopology.Mapping.ENDPOINT_INDEPENDENT);
    ExternalProcess b = phone("hB", NatTopology.HOST_B, "--auto-answer", "--exit-after", "1");
    b.awaitLine("\"event\":\"registered\"", T);
    ExternalProcess a = phone("hA", NatTopology.HOST_A, "--call", "sip:hB@pq.test", "--duration", "15s");
    String ea = a.awaitLine("\"event\":\"established\"", T);
    assertThat(ea).contains("\"path\":\"p2p\"");
    a.await(o -> PhoneOutput.lastPacketsReceived(o) >= 150, T, "3 s of audio");
    lab.p2pUdp("-I");
    String toRelay = a.awaitLine("\"to\":\"relay\"", T);
    String toRelayB = b.awaitLine("\"to\":\"relay\"", T);
    for (String line : List.of(toRelay, toRelayB)) {
      assertThat(line).contains("\"event\":\"path-switch\"").contains("\"from\":\"p2p\"");
      assertThat(gapMs(line)).as(line).isBetween(1L, 250L);
    }
    lab.p2pUdp("-D");
    assertThat(a.awaitLine("\"to\":\"p2p\"", T)).contains("\"from\":\"relay\"");
    b.awaitLine("\"to\":\"p2p\"", T);
    a.awaitLine("\"event\":\"ended\"", T);
    b.awaitLine("\"event\":\"ended\"", T);
    String eb = b.output().lines().filter(l -> l.contains("\"event\":\"established\"")).findFirst().orElseThrow();
    assertThat(PhoneOutput.sas(ea)).isEqualTo(PhoneOutput.sas(eb));
    assertThat(a.output() + b.output()).doesNotContain("\"event\":\"rekeyed\"").doesNotContain("\"event\":\"error\"");
    assertThat(PhoneOutput.lastPacketsReceived(a.output())).as("15 s of audio, a gap of a few packets").isGreaterThan(650);
    // loss only inside the measured gaps (20 ms a packet), plus a few for the way back to P2P
    receivedWhatWasSent(b, a, gapMs(toRelay) / 20 + 5);
    receivedWhatWasSent(a, b, gapMs(toRelayB) / 20 + 5);
  }

  private static long gapMs(String line) {
    return (long) PhoneOutput.number(line, "gapMs");
  }

  @Test
  void p2pBlackholed_theCallGoesThroughTheRelayAfterTheWindow() throws Exception {
    publicServices(NatTopology.Mapping.ENDPOINT_INDEPENDENT, NatTopology.Mapping.ENDPOINT_INDEPENDENT);
    // UDP between the two sites is dropped; UDP to the relay and SIP over TCP pass.
    lab.p2pUdp("-I");
    String[] e = call();
    assertThat(e[0]).contains("\"path\":\"relay\"");
    assertThat(e[1]).contains("\"path\":\"relay\"");
  }

  /**
   * UDP blocked at one router: hA reaches neither the relay nor hB over UDP, so its phone
   * allocates over TCP (then, in the second run, over TLS, checking the relay's certificate),
   * offers that relayed address, and the call runs through it; SIP stays on TCP.
   */
  @Test
  void udpBlockedAtOneRouter_theCallGoesThroughTheRelayOverTcpAndOverTls() throws Exception {
    publicServices(NatTopology.Mapping.ENDPOINT_INDEPENDENT, NatTopology.Mapping.ENDPOINT_INDEPENDENT);
    lab.udpFromLan("rA", "-I");
    for (String relay : List.of(NatCallLab.RELAY_TCP, NatCallLab.RELAY_TLS)) {
      String[] e = call("--relay", relay, "--relay-ca", lab.relayCa().toString());
      assertThat(e[0]).as(relay).contains("\"path\":\"relay\"");
      assertThat(e[1]).as(relay).contains("\"path\":\"relay\"");
      lab.stopPhones();
    }
  }

  /**
   * NAT rebinding mid-call: after 3 s of audio hA's router moves its UDP to a new public address
   * and forgets every mapping. hA's relay allocation belongs to a 5-tuple that is gone, the
   * peer's permissions and P2P mappings name the old address: nothing arrives on any pair. Two
   * seconds without media or a check answer, and the caller restarts ICE with a re-INVITE chained
   * to the call's keys (same SAS, one {@code rekeyed} each; SIP stays on its TCP connection); both
   * gather anew, report {@code path-restored}, and audio flows again.
   *
   * <p>(A new port on the same address heals without a restart: the peer's relay permission is
   * per address, ICE learns the new port as a peer-reflexive candidate and the path policy
   * follows the media, losing ~10 packets; seen while writing this test.)
   */
  @Test
  void natMovesToANewAddressMidCall_theCallerRestartsIceAndTheCallGoesOn() throws Exception {
    publicServices(NatTopology.Mapping.ENDPOINT_INDEPENDENT, NatTopology.Mapping.ENDPOINT_INDEPENDENT);
    ExternalProcess b = phone("hB", NatTopology.HOST_B, "--auto-answer", "--exit-after", "1");
    b.awaitLine("\"event\":\"registered\"", T);
    ExternalProcess a = phone("hA", NatTopology.HOST_A, "--call", "sip:hB@pq.test", "--duration", "15s");
    String ea = a.awaitLine("\"event\":\"established\"", T);
    String eb = b.awaitLine("\"event\":\"established\"", T);
    a.await(o -> PhoneOutput.lastPacketsReceived(o) >= 150, T, "3 s of audio");
    lab.moveUdpToNewAddress("rA", "203.0.113.4");
    assertThat(a.awaitLine("\"event\":\"ice-restart\"", T)).contains("\"reason\":\"no-path\"");
    assertThat(b.awaitLine("\"event\":\"ice-restart\"", T)).contains("\"reason\":\"peer\"");
    assertThat(a.awaitLine("\"event\":\"path-restored\"", T)).containsPattern("\"path\":\"(p2p|relay)\"");
    b.awaitLine("\"event\":\"path-restored\"", T);
    assertThat(a.awaitLine("\"event\":\"rekeyed\"", T)).contains("\"sas\":\"" + PhoneOutput.sas(ea) + "\"");
    assertThat(b.awaitLine("\"event\":\"rekeyed\"", T)).contains("\"sas\":\"" + PhoneOutput.sas(eb) + "\"");
    long before = PhoneOutput.lastPacketsReceived(a.output());
    a.await(o -> PhoneOutput.lastPacketsReceived(o) >= before + 100, T, "2 s more audio after the restart");
    a.awaitLine("\"event\":\"ended\"", T);
    b.awaitLine("\"event\":\"ended\"", T);
    assertThat(a.output() + b.output()).doesNotContain("\"event\":\"error\"");
  }
}
