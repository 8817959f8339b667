package org.pqsip.relay.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import org.pqsip.relay.alloc.Allocation;

/**
 * The sockets of one allocation: its relayed port, and the way back to its client. For a UDP
 * client that is the batched listener ({@link ClientBatch}) where batched system calls exist;
 * else a socket connected to the client on the listening port (SO_REUSEPORT): the kernel hands it
 * the client's datagrams, so the hot path needs no address lookup and no per-packet address
 * object. Until it exists, or if it cannot be made, the shared listener is used. For a TCP client
 * it is the client's connection.
 */
final class Link {
  final DatagramChannel relay;
  final int port;
  Allocation allocation;
  DatagramChannel connected;
  DatagramChannel listener;
  InetSocketAddress client;
  /** The client's TCP connection, for allocations made over TCP (else null). */
  TcpConnection tcp;
  /** The batched listener that serves this UDP client (else null), and the client's address as it indexes it. */
  ClientBatch batch;
  SockAddr clientAddr;
  /**
   * The relayed socket's descriptor for the JNI calls of {@link UdpBatch} (-1: the JDK's calls),
   * and the last peer addresses sent to and received from, cached in their native form.
   */
  int relayFd = -1;
  SockAddr toPeer;
  SockAddr fromPeer;

  Link(DatagramChannel relay, int port) {
    this.relay = relay;
    this.port = port;
  }

  /** False when the frame had to be dropped (a TCP client that is not reading). */
  boolean toClient(ByteBuffer frame) throws IOException {
    if (tcp != null) {
      return tcp.write(frame);
    }
    if (batch != null) {
      batch.queue(frame, this);
    } else if (connected != null) {
      connected.write(frame);
    } else {
      listener.send(frame, client);
    }
    return true;
  }

  void close() {
    if (batch != null) {
      batch.unindex(this);
    }
    quietly(relay);
    quietly(connected);
    if (tcp != null) {
      tcp.allocation = null; // the connection may still carry the last response; the loop closes it
    }
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
