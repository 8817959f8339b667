package org.pqsip.relay.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import org.agrona.collections.Long2ObjectHashMap;
import org.pqsip.relay.alloc.FiveTuple;
import org.pqsip.relay.core.RelayCounters;

/**
 * One UDP listener's batched client side: datagrams from every client of this loop arrive on the
 * one listening socket and are taken {@link #MAX} at a time with recvmmsg; frames for clients are
 * queued during a loop turn and leave with one sendmmsg. A client's allocation is found from the
 * sender address bytes through a primitive-keyed index, so nothing is allocated per datagram.
 * Only for UDP listeners, and only where {@link UdpBatch} loaded.
 */
final class ClientBatch {
  /** Datagrams per system call. */
  static final int MAX = 32;
  /** A received slot takes the largest UDP payload: nothing a client sends is cut. */
  private static final int RECEIVE_SLOT = 65536;
  /** Queued frames up to this size; larger ones go at once with their own system call. */
  private static final int SEND_SLOT = 2048;

  final DatagramChannel channel;
  private final int fd;
  private final InetSocketAddress local;
  private final boolean v6Socket;
  private final long salt;
  private final RelayCounters counters;
  private final ByteBuffer in = ByteBuffer.allocateDirect(RECEIVE_SLOT * MAX);
  private final ByteBuffer inMeta = ByteBuffer.allocateDirect(UdpBatch.META * MAX).order(ByteOrder.nativeOrder());
  private final UdpBatch.Native inNative = UdpBatch.Native.of(in);
  private final UdpBatch.Native inMetaNative = UdpBatch.Native.of(inMeta);
  /** Each received slot as the JNI calls take it (a ChannelData payload goes to its peer from there). */
  private final UdpBatch.Native[] inSlots = new UdpBatch.Native[MAX];
  private final ByteBuffer out = ByteBuffer.allocateDirect(SEND_SLOT * MAX);
  private final ByteBuffer outMeta = ByteBuffer.allocateDirect(UdpBatch.META * MAX).order(ByteOrder.nativeOrder());
  private final UdpBatch.Native outNative = UdpBatch.Native.of(out);
  private final UdpBatch.Native outMetaNative = UdpBatch.Native.of(outMeta);
  private final Long2ObjectHashMap<Link> byClient = new Long2ObjectHashMap<>();
  private int queued;

  private ClientBatch(DatagramChannel channel, int fd, long salt, RelayCounters counters) throws IOException {
    this.channel = channel;
    this.counters = counters;
    this.fd = fd;
    this.local = (InetSocketAddress) channel.getLocalAddress();
    this.v6Socket = SockAddr.isV6(local.getAddress());
    this.salt = salt;
    for (int i = 0; i < MAX; i++) {
      inSlots[i] = new UdpBatch.Native(in.slice(i * RECEIVE_SLOT, RECEIVE_SLOT), inNative.address() + (long) i * RECEIVE_SLOT,
          RECEIVE_SLOT);
    }
  }

  /** A batch for {@code listener}, or null when batched system calls are not available here. */
  static ClientBatch of(DatagramChannel listener, long salt, RelayCounters counters) throws IOException {
    if (!UdpBatch.AVAILABLE) {
      return null;
    }
    int fd = UdpBatch.fd(listener);
    return fd < 0 ? null : new ClientBatch(listener, fd, salt, counters);
  }

  InetSocketAddress local() {
    return local;
  }

  /** Takes up to {@link #MAX} queued datagrams: how many (0 when none or on a socket error). */
  int receive() {
    int n = UdpBatch.receive(fd, inNative, RECEIVE_SLOT, inMetaNative, MAX);
    return Math.max(n, 0);
  }

  /** Datagram {@code i} of the last {@link #receive}, or null when it did not fit its slot or came with no sender address. */
  ByteBuffer datagram(int i) {
    int m = i * UdpBatch.META;
    if (inMeta.getInt(m + UdpBatch.TRUNCATED) != 0 || inMeta.getShort(m + UdpBatch.FAMILY) == 0) {
      return null;
    }
    return inSlots[i].buffer().clear().limit(inMeta.getInt(m + UdpBatch.LENGTH));
  }

  /** Slot {@code i} (where {@link #datagram} reads) as the JNI calls take it. */
  UdpBatch.Native slot(int i) {
    return inSlots[i];
  }

  /** The allocation link of datagram {@code i}'s sender, or null for a client without one. */
  Link link(int i) {
    int m = i * UdpBatch.META;
    Link l = byClient.get(key(inMeta.getInt(m + UdpBatch.FAMILY), inMeta.getLong(m + UdpBatch.ADDRESS),
        inMeta.getLong(m + UdpBatch.ADDRESS + 8)));
    return l != null && l.clientAddr.matches(inMeta, m) ? l : null;
  }

  /** Datagram {@code i}'s 5-tuple (the control path and unknown senders; allocates). */
  FiveTuple tuple(int i) {
    return new FiveTuple(SockAddr.decode(inMeta, i * UdpBatch.META), local, "udp");
  }

  /** Indexes {@code l}'s client so that its datagrams find it; false if another link has that key. */
  boolean index(Link l) {
    SockAddr c = new SockAddr(v6Socket).set(l.client);
    long k = key(c.familyPort, c.hi, c.lo);
    if (byClient.containsKey(k)) {
      return false;
    }
    l.clientAddr = c;
    byClient.put(k, l);
    l.batch = this;
    return true;
  }

  void unindex(Link l) {
    long k = key(l.clientAddr.familyPort, l.clientAddr.hi, l.clientAddr.lo);
    if (byClient.get(k) == l) {
      byClient.remove(k);
    }
    l.batch = null;
  }

  /** Queues {@code frame} (position to limit) for {@code l}'s client; it leaves at the next {@link #flush}. */
  void queue(ByteBuffer frame, Link l) throws IOException {
    int len = frame.remaining();
    if (len > SEND_SLOT) {
      channel.send(frame, l.client); // rare: larger than a media packet
      return;
    }
    if (queued == MAX) {
      flush();
    }
    int m = queued * UdpBatch.META;
    out.put(queued * SEND_SLOT, frame, frame.position(), len);
    SockAddr c = l.clientAddr;
    outMeta.putInt(m + UdpBatch.LENGTH, len).putInt(m + UdpBatch.FAMILY, c.familyPort)
        .putLong(m + UdpBatch.ADDRESS, c.hi).putLong(m + UdpBatch.ADDRESS + 8, c.lo)
        .putInt(m + UdpBatch.OFFSET, 0).putInt(m + UdpBatch.TRUNCATED, 0);
    queued++;
  }

  /** Sends what is queued; what cannot go (socket buffer full, refused) is counted as dropped. */
  void flush() {
    int sent = 0;
    int dropped = 0;
    while (sent < queued) {
      int r = UdpBatch.send(fd, outNative, SEND_SLOT, outMetaNative, sent, queued - sent);
      if (r > 0) {
        sent += r;
      } else if (r == 0) {
        dropped += queued - sent; // buffer full: UDP drops, as the kernel would
        break;
      } else {
        dropped++; // this one was refused: skip it, send the rest
        sent++;
      }
    }
    queued = 0;
    if (dropped > 0) {
      counters.add(RelayCounters.DROPPED, dropped);
    }
  }

  private long key(int familyPort, long hi, long lo) {
    long h = salt ^ (familyPort * 0x9E3779B97F4A7C15L);
    h = (h ^ hi) * 0xBF58476D1CE4E5B9L;
    h = (h ^ lo) * 0x94D049BB133111EBL;
    return h ^ (h >>> 31);
  }
}
