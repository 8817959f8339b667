package org.pqsip.relay.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import org.pqsip.relay.alloc.Allocation;

/**
 * The sockets of one allocation: its relayed port, and the way back to its client. For a UDP
 * client that is a socket connected to the client on the listening port (SO_REUSEPORT): the
 * kernel hands it the client's datagrams, so the hot path needs no address lookup and no
 * per-packet address object. Until it exists, or if it cannot be made, the shared listener is
 * used.
 */
final class Link {
  final DatagramChannel relay;
  final int port;
  Allocation allocation;
  DatagramChannel connected;
  DatagramChannel listener;
  InetSocketAddress client;

  Link(DatagramChannel relay, int port) {
    this.relay = relay;
    this.port = port;
  }

  void toClient(ByteBuffer frame) throws IOException {
    if (connected != null) {
      connected.write(frame);
    } else {
      listener.send(frame, client);
    }
  }

  void close() {
    quietly(relay);
    quietly(connected);
  }

  private static void quietly(DatagramChannel c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }
}
