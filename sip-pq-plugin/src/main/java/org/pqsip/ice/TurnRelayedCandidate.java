package org.pqsip.ice;

import java.net.SocketException;
import org.ice4j.Transport;
import org.ice4j.TransportAddress;
import org.ice4j.ice.CandidateExtendedType;
import org.ice4j.ice.CandidateType;
import org.ice4j.ice.Component;
import org.ice4j.ice.LocalCandidate;
import org.ice4j.socket.IceSocketWrapper;
import org.ice4j.socket.IceUdpSocketWrapper;
import org.ice4j.socket.MultiplexingDatagramSocket;

/**
 * A relayed candidate whose allocation our {@link TurnClient} holds (over UDP, TCP or TLS): to
 * ice4j it is a relayed UDP candidate like the ones its own TURN harvester makes, checked and
 * kept alive through a {@link TurnSocket}. Its base is itself (RFC 8445 §5.1.1.2); freeing it
 * ends the allocation.
 */
final class TurnRelayedCandidate extends LocalCandidate {
  private final IceSocketWrapper socket;
  private final boolean overStream;

  TurnRelayedCandidate(TurnSocket relayed, Component component, RelayUri relay) throws SocketException {
    super(new TransportAddress(relayed.getLocalSocketAddress(), Transport.UDP), component,
        CandidateType.RELAYED_CANDIDATE, CandidateExtendedType.TURN_RELAYED_CANDIDATE, null);
    setBase(this);
    overStream = !relay.transport().equals("udp");
    setRelayServerAddress(new TransportAddress(relay.address(), overStream ? Transport.TCP : Transport.UDP));
    this.socket = new IceUdpSocketWrapper(new MultiplexingDatagramSocket(relayed));
  }

  /** Whether the relay is reached over TCP or TLS (UDP to it did not work). */
  boolean overStream() {
    return overStream;
  }

  @Override
  public IceSocketWrapper getCandidateIceSocketWrapper() {
    return socket;
  }

  @Override
  protected void free() {
    super.free();
    socket.close();
  }
}
