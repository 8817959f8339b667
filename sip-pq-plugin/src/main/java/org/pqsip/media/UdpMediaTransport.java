package org.pqsip.media;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import org.pqsip.srtp.PacketBuffer;

/**
 * RTP on an even port and RTCP on the next one (RFC 3550 §11), over UDP. One receive thread
 * polls both sockets; receive and send buffers are allocated once. Only datagrams from the
 * negotiated remote address and port are passed on; others are dropped and counted (a spoofer
 * elsewhere on the network cannot even make the SRTP layer work for it).
 */
public final class UdpMediaTransport implements MediaTransport {
  private final DatagramChannel rtp;
  private final DatagramChannel rtcp;
  private final Selector selector;
  private final PacketBuffer rxBuffer = new PacketBuffer();
  private final ByteBuffer rxView = ByteBuffer.wrap(rxBuffer.getBuffer());
  private volatile InetSocketAddress remoteRtp;
  private volatile InetSocketAddress remoteRtcp;
  private volatile boolean closed;
  private final java.util.concurrent.atomic.AtomicLong foreign = new java.util.concurrent.atomic.AtomicLong();
  private Thread thread;

  private UdpMediaTransport(DatagramChannel rtp, DatagramChannel rtcp) throws IOException {
    this.rtp = rtp;
    this.rtcp = rtcp;
    this.selector = Selector.open();
    rtp.configureBlocking(false).register(selector, SelectionKey.OP_READ, Boolean.FALSE);
    rtcp.configureBlocking(false).register(selector, SelectionKey.OP_READ, Boolean.TRUE);
  }

  /** Binds an even port and the next one on {@code address}, trying from {@code firstPort}. */
  public static UdpMediaTransport bind(InetAddress address, int firstPort, int lastPort) throws IOException {
    return new MediaPorts(address, firstPort, lastPort).bind();
  }

  /** Binds RTP on {@code port} and RTCP on {@code port + 1}, or neither. */
  static UdpMediaTransport bindPair(InetAddress address, int port) throws IOException {
    DatagramChannel a = DatagramChannel.open();
    DatagramChannel b = null;
    try {
      a.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 18);
      a.bind(new InetSocketAddress(address, port));
      b = DatagramChannel.open();
      b.bind(new InetSocketAddress(address, port + 1));
      return new UdpMediaTransport(a, b);
    } catch (IOException e) {
      a.close();
      if (b != null) {
        b.close();
      }
      throw e;
    }
  }

  @Override
  public InetSocketAddress localRtp() {
    try {
      return (InetSocketAddress) rtp.getLocalAddress();
    } catch (IOException e) {
      throw new IllegalStateException("RTP socket closed", e);
    }
  }

  @Override
  public void setRemote(InetSocketAddress rtpAddr, InetSocketAddress rtcpAddr) {
    this.remoteRtp = rtpAddr;
    this.remoteRtcp = rtcpAddr;
  }

  @Override
  public void send(PacketBuffer p, boolean isRtcp) throws IOException {
    InetSocketAddress to = isRtcp ? remoteRtcp : remoteRtp;
    if (to == null || closed) {
      return;
    }
    (isRtcp ? rtcp : rtp).send(p.byteBuffer(), to);
  }

  @Override
  public void start(Receiver receiver) {
    thread = new Thread(() -> loop(receiver), "pqsip-media-rx");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop(Receiver receiver) {
    try {
      while (!closed) {
        if (selector.select(200) == 0) {
          continue;
        }
        for (SelectionKey k : selector.selectedKeys()) {
          DatagramChannel ch = (DatagramChannel) k.channel();
          rxView.clear();
          java.net.SocketAddress from;
          while ((from = ch.receive(rxView)) != null) {
            boolean isRtcp = (Boolean) k.attachment();
            if (!from.equals(isRtcp ? remoteRtcp : remoteRtp)) {
              foreign.incrementAndGet();
              rxView.clear();
              continue;
            }
            rxBuffer.setOffset(0);
            rxBuffer.setLength(rxView.position());
            receiver.onPacket(rxBuffer, isRtcp);
            rxView.clear();
          }
        }
        selector.selectedKeys().clear();
      }
    } catch (IOException | RuntimeException e) {
      if (!closed) {
        Thread.currentThread().getUncaughtExceptionHandler().uncaughtException(Thread.currentThread(), e);
      }
    }
  }

  /** Datagrams dropped because they came from somewhere other than the negotiated peer. */
  public long droppedFromOtherSources() {
    return foreign.get();
  }

  @Override
  public void close() {
    closed = true;
    try {
      selector.wakeup();
      if (thread != null) {
        thread.join(2000);
      }
      selector.close();
      rtp.close();
      rtcp.close();
    } catch (IOException e) {
      // closing: nothing left to do
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
