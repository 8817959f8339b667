package org.pqsip.ice;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;

/**
 * A {@link TurnClient}'s relayed address as the datagram socket ice4j checks and sends
 * through: {@link #send} goes to the peer over the TURN connection, {@link #receive} returns what
 * the peers sent, with their address. Received datagrams wait in a fixed ring of buffers (no
 * allocation per packet); when the ring is full the newest is dropped, as a full UDP socket would.
 */
final class TurnSocket extends DatagramSocket implements TurnClient.Receiver {
  private static final int SLOTS = 128;
  private static final int SLOT_BYTES = 1500;

  private final byte[][] slots = new byte[SLOTS][SLOT_BYTES];
  private final int[] lengths = new int[SLOTS];
  private final InetSocketAddress[] senders = new InetSocketAddress[SLOTS];
  private int head;
  private int count;
  private TurnClient client;
  private InetSocketAddress local;
  private boolean closed;

  /** An unbound socket: it never touches the network itself. */
  TurnSocket() throws SocketException {
    super((SocketAddress) null);
  }

  /** The client this socket sends through; called once, before ice4j sees the socket. */
  synchronized void attach(TurnClient c) {
    this.client = c;
    this.local = c.relayed();
  }

  @Override
  public void datagram(InetSocketAddress from, byte[] data, int offset, int length) {
    synchronized (this) {
      if (closed || count == SLOTS || length > SLOT_BYTES) {
        return;
      }
      int slot = (head + count) % SLOTS;
      System.arraycopy(data, offset, slots[slot], 0, length);
      lengths[slot] = length;
      senders[slot] = from;
      count++;
      notifyAll();
    }
  }

  @Override
  public synchronized void closed() {
    notifyAll();
  }

  @Override
  public void receive(DatagramPacket p) throws IOException {
    int timeout = getSoTimeout();
    long deadline = timeout == 0 ? Long.MAX_VALUE : System.nanoTime() + timeout * 1_000_000L;
    synchronized (this) {
      while (count == 0 && !closed && (client == null || !client.isClosed())) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new SocketTimeoutException("nothing from the relay");
        }
        try {
          wait(timeout == 0 ? 0 : Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new SocketException("interrupted");
        }
      }
      if (count == 0) {
        throw new SocketException("TURN connection closed");
      }
      int n = Math.min(lengths[head], p.getData().length - p.getOffset());
      System.arraycopy(slots[head], 0, p.getData(), p.getOffset(), n);
      p.setLength(n);
      p.setSocketAddress(senders[head]);
      senders[head] = null;
      head = (head + 1) % SLOTS;
      count--;
    }
  }

  @Override
  public void send(DatagramPacket p) throws IOException {
    TurnClient c;
    synchronized (this) {
      c = client;
    }
    if (c == null) {
      throw new SocketException("not allocated");
    }
    c.send((InetSocketAddress) p.getSocketAddress(), p.getData(), p.getOffset(), p.getLength());
  }

  @Override
  public synchronized InetSocketAddress getLocalSocketAddress() {
    return local;
  }

  @Override
  public InetAddress getLocalAddress() {
    InetSocketAddress l = getLocalSocketAddress();
    return l == null ? null : l.getAddress();
  }

  @Override
  public int getLocalPort() {
    InetSocketAddress l = getLocalSocketAddress();
    return l == null ? -1 : l.getPort();
  }

  /** Ends the allocation and the connection, and wakes readers. */
  @Override
  public void close() {
    TurnClient c;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      c = client;
      notifyAll();
    }
    if (c != null) {
      c.close();
    }
    super.close();
  }

  @Override
  public synchronized boolean isClosed() {
    return closed;
  }
}
