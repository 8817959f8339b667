package org.pqsip.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import org.ice4j.Transport;
import org.ice4j.TransportAddress;
import org.ice4j.ice.Agent;
import org.ice4j.ice.Component;
import org.ice4j.ice.HostCandidate;
import org.ice4j.ice.IceMediaStream;
import org.ice4j.ice.KeepAliveStrategy;
import org.ice4j.ice.LocalCandidate;
import org.ice4j.ice.RelayedCandidate;
import org.ice4j.ice.harvest.TurnCandidateHarvester;
import org.ice4j.security.LongTermCredential;
import org.ice4j.socket.IceSocketWrapper;
import org.ice4j.socket.IceUdpSocketWrapper;
import org.ice4j.socket.MultiplexingDatagramSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.pqsip.stun.RestCredentials;
import org.pqsip.relay.net.RelayServer;

/**
 * Jitsi's ice4j as a real TURN client of our relay: its {@code TurnCandidateHarvester} (REST
 * credentials minted from the shared secret) gets a relayed candidate, and datagrams flow both
 * ways between that candidate and a peer through the relay. All on loopback: ice4j's host
 * harvester skips loopback interfaces, so the host candidate the TURN harvest starts from is
 * made here on 127.0.0.1 with ice4j's own socket classes.
 */
class Ice4jTurnIT {
  static final InetAddress LO = InetAddress.getLoopbackAddress();
  static final byte[] SECRET = "ice4j-interop-shared-secret-0123".getBytes(StandardCharsets.UTF_8);

  static {
    System.setProperty("ice4j.harvest.mapping.aws.enabled", "false"); // no cloud look-ups, ever
  }

  @Test
  @Timeout(60) // a deadline for the blocking receive, not a speed claim
  void ice4jGetsARelayedCandidateAndDataFlowsThroughIt() throws Exception {
    RelayServer.Config cfg = new RelayServer.Config(List.of(new InetSocketAddress(LO, 0)), List.of(), List.of(), null, LO, 61600, 61699, "pq.test",
        SECRET, List.of("127.0.0.0/8"), 100, 10, 2, 100, RelayServer.batchedUdpAvailable());
    Agent agent = new Agent();
    try (RelayServer relay = RelayServer.start(cfg);
        DatagramSocket peer = new DatagramSocket(new InetSocketAddress(LO, 0))) {
      peer.setSoTimeout(5000);
      agent.setUseDynamicPorts(false); // no host harvest over this machine's interfaces: only our loopback candidate
      IceMediaStream stream = agent.createMediaStream("audio");
      Component component = agent.createComponent(stream, KeepAliveStrategy.SELECTED_ONLY, false);
      IceSocketWrapper socket = new IceUdpSocketWrapper(new MultiplexingDatagramSocket(0, LO));
      HostCandidate host = new HostCandidate(socket, component, Transport.UDP);
      component.addLocalCandidate(host);
      host.getStunStack().addSocket(host.getStunSocket(null));

      String[] up = new RestCredentials(SECRET, "pq.test").mint(System.currentTimeMillis() / 1000 + 600, "ice4j-token");
      InetSocketAddress at = relay.udpAddresses().get(0);
      TurnCandidateHarvester turn = new TurnCandidateHarvester(
          new TransportAddress(at.getAddress(), at.getPort(), Transport.UDP), new LongTermCredential(up[0], up[1]));
      Collection<LocalCandidate> harvested = turn.harvest(component);

      RelayedCandidate relayed = harvested.stream().filter(RelayedCandidate.class::isInstance).map(RelayedCandidate.class::cast)
          .findFirst().orElseThrow(() -> new AssertionError("no relayed candidate from our relay: " + harvested));
      assertThat(relayed.getTransportAddress().getAddress()).isEqualTo(LO);
      assertThat(relayed.getTransportAddress().getPort()).isBetween(61600, 61699);
      assertThat(component.getLocalCandidates()).as("our host candidate and its relayed one, nothing else").hasSize(2);
      assertThat(relay.activeAllocations()).isEqualTo(1);

      IceSocketWrapper viaRelay = relayed.getCandidateIceSocketWrapper();
      byte[] hello = "hello from ice4j".getBytes(StandardCharsets.US_ASCII);
      viaRelay.send(new DatagramPacket(hello, hello.length, peer.getLocalSocketAddress()));
      DatagramPacket atPeer = new DatagramPacket(new byte[1500], 1500);
      peer.receive(atPeer);
      assertThat(new String(atPeer.getData(), 0, atPeer.getLength(), StandardCharsets.US_ASCII)).isEqualTo("hello from ice4j");
      assertThat(atPeer.getPort()).as("the peer sees the relayed address").isEqualTo(relayed.getTransportAddress().getPort());

      byte[] back = "hello from the peer".getBytes(StandardCharsets.US_ASCII);
      peer.send(new DatagramPacket(back, back.length, atPeer.getSocketAddress()));
      DatagramPacket atIce4j = new DatagramPacket(new byte[1500], 1500);
      viaRelay.receive(atIce4j);
      assertThat(new String(atIce4j.getData(), 0, atIce4j.getLength(), StandardCharsets.US_ASCII)).isEqualTo("hello from the peer");
    } finally {
      agent.free();
    }
  }
}
