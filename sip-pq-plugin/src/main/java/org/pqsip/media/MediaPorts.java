package org.pqsip.media;

import java.io.IOException;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The phone's RTP/RTCP port range, handed out round-robin: each bind starts at the pair after
 * the last one given, so a busy phone does not re-try every port its live calls hold (with 300
 * calls up, binding from the bottom of the range cost 600 failed socket opens per new call and
 * held INVITE→200 at 4–6 s under `./pq bench sipp`). Ports freed by ended calls are reused once
 * the cursor comes round again, which also keeps a just-closed port from getting a late packet
 * of the previous call at once.
 */
public final class MediaPorts {
  private final InetAddress address;
  private final int first;
  private final int pairs;
  private final AtomicInteger next = new AtomicInteger();
  private final MediaLoop loop;

  /** Even ports from {@code firstPort} (rounded up) with their odd neighbours up to {@code lastPort}. */
  public MediaPorts(InetAddress address, int firstPort, int lastPort) {
    this(address, firstPort, lastPort, null);
  }

  /** As above, the transports read by {@code loop} (the trunk gateway's one loop), or each by its own (null). */
  public MediaPorts(InetAddress address, int firstPort, int lastPort, MediaLoop loop) {
    this.address = address;
    this.loop = loop;
    this.first = firstPort + (firstPort & 1);
    this.pairs = Math.max(0, (lastPort - first + 1) / 2);
    if (pairs == 0) {
      throw new IllegalArgumentException("media port range " + firstPort + "-" + lastPort + " holds no RTP/RTCP pair");
    }
  }

  /** Binds something on a port of the range (e.g. an ICE host candidate's socket, RTCP multiplexed). */
  public interface Binder<T> {
    T bind(InetAddress address, int port) throws IOException;
  }

  /** Binds the next free pair, trying each pair of the range at most once. */
  public UdpMediaTransport bind() throws IOException {
    return bind((a, port) -> UdpMediaTransport.bindPair(a, port, loop));
  }

  /** Binds with {@code binder} on the next free even port, trying each at most once. */
  public <T> T bind(Binder<T> binder) throws IOException {
    IOException last = null;
    int start = Math.floorMod(next.getAndIncrement(), pairs);
    for (int i = 0; i < pairs; i++) {
      int index = (start + i) % pairs;
      try {
        T t = binder.bind(address, first + 2 * index);
        if (i > 0) {
          next.set(index + 1); // the next call starts after the pairs found busy
        }
        return t;
      } catch (IOException e) {
        last = e;
      }
    }
    throw new IOException("no free RTP/RTCP port pair in " + first + "-" + (first + 2 * pairs - 1), last);
  }
}
