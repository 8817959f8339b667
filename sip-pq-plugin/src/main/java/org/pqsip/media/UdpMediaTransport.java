package org.pqsip.media;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.atomic.AtomicLong;
import org.pqsip.srtp.PacketBuffer;

/**
 * RTP on an even port and RTCP on the next one (RFC 3550 §11), over UDP, read by a
 * {@link MediaLoop}: the transport's own (a phone: one thread per call) or a shared one (the
 * trunk gateway: one thread for every leg). Receive and send buffers are allocated once. Only
 * datagrams from the negotiated remote address and port are passed on (a spoofer elsewhere on the
 * network cannot even make the SRTP layer work for it): once the peer is known each socket is
 * connected to it and the kernel drops the rest; before, they are dropped here and counted.
 */
public final class UdpMediaTransport implements MediaTransport {
  private final DatagramChannel rtp;
  private final DatagramChannel rtcp;
  /** The loop that reads us, or null for one of our own made at {@link #start}. */
  private final MediaLoop sharedLoop;
  private MediaLoop loop;
  private volatile InetSocketAddress remoteRtp;
  private volatile InetSocketAddress remoteRtcp;
  private volatile boolean closed;
  private final AtomicLong foreign = new AtomicLong();

  private UdpMediaTransport(DatagramChannel rtp, DatagramChannel rtcp, MediaLoop sharedLoop) {
    this.rtp = rtp;
    this.rtcp = rtcp;
    this.sharedLoop = sharedLoop;
  }

  /** Binds an even port and the next one on {@code address}, trying from {@code firstPort}. */
  public static UdpMediaTransport bind(InetAddress address, int firstPort, int lastPort) throws IOException {
    return new MediaPorts(address, firstPort, lastPort).bind();
  }

  /** Binds RTP on {@code port} and RTCP on {@code port + 1}, or neither; read by {@code loop} (null: its own). */
  static UdpMediaTransport bindPair(InetAddress address, int port, MediaLoop loop) throws IOException {
    DatagramChannel a = DatagramChannel.open();
    DatagramChannel b = null;
    try {
      a.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 18);
      a.bind(new InetSocketAddress(address, port));
      b = DatagramChannel.open();
      b.bind(new InetSocketAddress(address, port + 1));
      return new UdpMediaTransport(a, b, loop);
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

  /**
   * The peer's RTP and RTCP addresses: each socket is connected to its peer, so the kernel drops
   * datagrams from anywhere else and no address is made or compared per packet. A later call
   * (a re-INVITE that moved the peer) reconnects.
   */
  @Override
  public void setRemote(InetSocketAddress rtpAddr, InetSocketAddress rtcpAddr) {
    this.remoteRtp = rtpAddr;
    this.remoteRtcp = rtcpAddr;
    connect(rtp, rtpAddr);
    connect(rtcp, rtcpAddr);
  }

  private void connect(DatagramChannel ch, InetSocketAddress to) {
    try {
      if (to.equals(ch.getRemoteAddress())) {
        return;
      }
      if (ch.isConnected()) {
        ch.disconnect();
      }
      ch.connect(to);
    } catch (IOException | RuntimeException e) {
      // closed, or an address we cannot reach: unconnected, send() and the filter use the address
    }
  }

  @Override
  public void send(PacketBuffer p, boolean isRtcp) throws IOException {
    InetSocketAddress to = isRtcp ? remoteRtcp : remoteRtp;
    if (to == null || closed) {
      return;
    }
    DatagramChannel ch = isRtcp ? rtcp : rtp;
    if (ch.isConnected()) {
      ch.write(p.byteBuffer());
    } else {
      ch.send(p.byteBuffer(), to);
    }
  }

  @Override
  public void start(Receiver receiver) {
    try {
      loop = sharedLoop != null ? sharedLoop : new MediaLoop("pqsip-media-rx");
      loop.register(rtp, (ch, scratch) -> drain(ch, scratch, false, receiver));
      loop.register(rtcp, (ch, scratch) -> drain(ch, scratch, true, receiver));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the media sockets: " + e.getMessage(), e);
    }
  }

  private void drain(DatagramChannel ch, PacketBuffer scratch, boolean isRtcp, Receiver receiver) {
    ByteBuffer view = scratch.byteBuffer();
    // Up to 16 datagrams per wake-up: on a shared loop a busy call cannot starve the others.
    for (int i = 0; i < 16 && !closed; i++) {
      view.clear().limit(MediaLoop.MAX_READ);
      try {
        if (ch.isConnected()) { // only the peer's datagrams reach a connected socket
          if (ch.read(view) <= 0) {
            return;
          }
        } else {
          SocketAddress from = ch.receive(view);
          if (from == null) {
            return;
          }
          if (!from.equals(isRtcp ? remoteRtcp : remoteRtp)) {
            foreign.incrementAndGet();
            continue;
          }
        }
      } catch (IOException e) {
        return; // e.g. ICMP port unreachable from a peer that went away
      }
      scratch.setOffset(0);
      scratch.setLength(view.position());
      receiver.onPacket(scratch, isRtcp);
    }
  }

  /** Datagrams dropped because they came from somewhere other than the negotiated peer. */
  public long droppedFromOtherSources() {
    return foreign.get();
  }

  @Override
  public void close() {
    closed = true;
    MediaLoop l = loop;
    if (l == null) {
      try {
        rtp.close();
        rtcp.close();
      } catch (IOException e) {
        // closing: nothing left to do
      }
      return;
    }
    l.closeChannels(rtp, rtcp);
    if (l != sharedLoop) {
      l.close();
    }
  }
}
