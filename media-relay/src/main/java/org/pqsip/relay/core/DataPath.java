package org.pqsip.relay.core;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.pqsip.relay.alloc.Allocation;
import org.pqsip.stun.StunAttribute;
import org.pqsip.stun.StunMessage;

/**
 * The forwarding path (RFC 8656 §11-12), sans-IO and allocation-free: it frames and unframes in
 * place in the driver's reusable buffer. Client to peer: a ChannelData message becomes its
 * payload. Peer to client: a datagram received at {@link #HEADROOM} gets a ChannelData header, or
 * a Data indication when the peer has no channel, written in front of it. Bytes are opaque: the
 * relay forwards ciphertext and never looks inside.
 */
public final class DataPath {
  /** Room a driver leaves in front of a peer's datagram: STUN header, IPv6 XOR-PEER-ADDRESS, DATA header. */
  public static final int HEADROOM = StunMessage.HEADER + 24 + 4;
  /** Buffer size a driver needs: headroom, the largest UDP payload and padding. */
  public static final int BUFFER_SIZE = HEADROOM + 65536 + 4;
  private static final int DATA_INDICATION = 0x0017;

  private final RelayCounters counters;
  private final SplittableRandom tids;

  public DataPath(RelayCounters counters, long seed) {
    this.counters = counters;
    this.tids = new SplittableRandom(seed);
  }

  /** True when the bytes at the buffer's position start a ChannelData message (top bits 01). */
  public static boolean isChannelData(ByteBuffer b) {
    return b.remaining() >= 4 && (b.get(b.position()) & 0xc0) == 0x40;
  }

  /**
   * ChannelData from {@code a}'s client: returns the channel's peer and leaves the buffer's
   * position and limit around the payload; null when the frame is truncated or the channel is
   * not bound (dropped, RFC 8656 §12.4).
   */
  public InetSocketAddress toPeer(Allocation a, ByteBuffer frame, long now) {
    int p = frame.position();
    if (frame.limit() - p < 4) {
      counters.add(RelayCounters.DROPPED, 1);
      return null;
    }
    int channel = frame.getShort(p) & 0xffff;
    int len = frame.getShort(p + 2) & 0xffff;
    InetSocketAddress peer = len <= frame.limit() - p - 4 ? a.peerOfChannel(channel, now) : null;
    if (peer == null) {
      counters.add(RelayCounters.DROPPED, 1);
      return null;
    }
    frame.limit(p + 4 + len).position(p + 4);
    counters.forwarded(RelayCounters.TO_PEER_PACKETS, len);
    return peer;
  }

  /**
   * Frames a peer's datagram, which the driver received at {@code buf[HEADROOM, limit)}, for
   * {@code a}'s client: sets position and limit around the frame to send. {@code stream} pads a
   * ChannelData frame to four bytes (TCP/TLS, RFC 8656 §12.5). False when the peer has no
   * permission (dropped, RFC 8656 §9).
   */
  public boolean toClient(Allocation a, InetSocketAddress peer, ByteBuffer buf, boolean stream, long now) {
    if (!a.permitted(peer.getAddress(), now)) {
      counters.add(RelayCounters.DROPPED, 1);
      return false;
    }
    int len = buf.limit() - HEADROOM;
    buf.limit(buf.capacity()); // headers and padding go around the payload
    int channel = a.channelOfPeer(peer, now);
    int start;
    int end = HEADROOM + len;
    if (channel >= 0) {
      start = HEADROOM - 4;
      buf.putShort(start, (short) channel).putShort(start + 2, (short) len);
      if (stream) {
        end = pad(buf, end);
      }
    } else {
      byte[] raw = a.rawAddress(peer);
      int addrLen = 4 + raw.length;
      start = HEADROOM - 4 - (4 + addrLen) - StunMessage.HEADER;
      end = pad(buf, end);
      int p = start;
      buf.putShort(p, (short) DATA_INDICATION).putShort(p + 2, (short) (end - start - StunMessage.HEADER));
      buf.putInt(p + 4, StunMessage.MAGIC_COOKIE);
      long t1 = tids.nextLong();
      int t2 = tids.nextInt();
      buf.putLong(p + 8, t1).putInt(p + 16, t2);
      p += StunMessage.HEADER;
      buf.putShort(p, (short) StunAttribute.XOR_PEER_ADDRESS).putShort(p + 2, (short) addrLen);
      buf.put(p + 4, (byte) 0).put(p + 5, (byte) (raw.length == 4 ? 1 : 2));
      buf.putShort(p + 6, (short) (peer.getPort() ^ (StunMessage.MAGIC_COOKIE >>> 16)));
      for (int i = 0; i < raw.length; i++) {
        buf.put(p + 8 + i, (byte) (raw[i] ^ buf.get(start + 4 + i))); // cookie, then transaction id
      }
      p += 4 + addrLen;
      buf.putShort(p, (short) StunAttribute.DATA).putShort(p + 2, (short) len);
    }
    buf.limit(end).position(start);
    counters.forwarded(RelayCounters.TO_CLIENT_PACKETS, len);
    return true;
  }

  private static int pad(ByteBuffer buf, int end) {
    while ((end & 3) != 0) {
      buf.put(end++, (byte) 0);
    }
    return end;
  }
}
