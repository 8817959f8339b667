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
 * A relayed candidate whose allocation lives on a TCP or TLS connection to our relay
 * ({@link TurnStreamClient}): to ice4j it is a relayed UDP candidate like the ones its own TURN
 * harvester makes, checked and kept alive through a {@link TurnStreamSocket}. Its base is itself
 * (RFC 8445 §5.1.1.2); freeing it ends the allocation.
 */
final class StreamRelayedCandidate extends LocalCandidate {
  private final IceSocketWrapper socket;

  StreamRelayedCandidate(TurnStreamSocket relayed, Component component, RelayUri relay) throws SocketException {
    super(new TransportAddress(relayed.getLocalSocketAddress(), Transport.UDP), component,
        CandidateType.RELAYED_CANDIDATE, CandidateExtendedType.TURN_RELAYED_CANDIDATE, null);
    setBase(this);
    setRelayServerAddress(new TransportAddress(relay.address(), Transport.TCP));
    this.socket = new IceUdpSocketWrapper(new MultiplexingDatagramSocket(relayed));
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
