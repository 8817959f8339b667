package org.pqsip.ice;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;

/**
 * TURN over UDP: a socket of its own, connected to the relay, so it hears nobody else. One
 * datagram is one STUN message or ChannelData frame. Requests may be lost: the client
 * retransmits them.
 */
final class TurnDatagramWire implements TurnWire {
  private final DatagramSocket socket;
  private final DatagramPacket in = new DatagramPacket(new byte[0], 0);
  private final DatagramPacket out = new DatagramPacket(new byte[0], 0);

  /** A socket on {@code local} (any port), connected to {@code relay}. */
  TurnDatagramWire(InetAddress local, InetSocketAddress relay) throws IOException {
    socket = new DatagramSocket(new InetSocketAddress(local, 0));
    try {
      socket.connect(relay);
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    out.setData(b, off, len); // callers serialise their writes: one packet object, nothing allocated per datagram
    socket.send(out);
  }

  @Override
  public int read(byte[] into) throws IOException {
    while (true) {
      in.setData(into, 0, into.length);
      try {
        socket.receive(in);
        return in.getLength();
      } catch (PortUnreachableException e) {
        continue; // an ICMP error for an earlier datagram: the relay answers or the timeout says it does not
      }
    }
  }

  @Override
  public void readTimeout(int millis) throws IOException {
    socket.setSoTimeout(millis);
  }

  @Override
  public boolean reliable() {
    return false;
  }

  @Override
  public void close() {
    socket.close();
  }
}
