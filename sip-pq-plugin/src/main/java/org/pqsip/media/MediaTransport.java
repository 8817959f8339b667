package org.pqsip.media;

import java.io.IOException;
import java.net.InetSocketAddress;
import org.pqsip.srtp.PacketBuffer;

/**
 * Where RTP and RTCP packets go and come from. Today a pair of UDP sockets; later the
 * ICE-selected pair, which may change mid-call. SRTP contexts, sequence numbers and rollover
 * counters live above this interface ({@link MediaSession}), so a path change never touches them.
 */
public interface MediaTransport extends AutoCloseable {
  /** Receives packets on a thread owned by the transport. */
  interface Receiver {
    void onPacket(PacketBuffer packet, boolean rtcp);
  }

  InetSocketAddress localRtp();

  void setRemote(InetSocketAddress rtp, InetSocketAddress rtcp);

  void send(PacketBuffer packet, boolean rtcp) throws IOException;

  /**
   * Whether there is a way to the peer now (with ICE: once a pair is chosen). Until then the
   * media session sends nothing and counts nothing as sent.
   */
  default boolean canSend() {
    return true;
  }

  /** Starts delivering received packets to {@code receiver}; call once. */
  void start(Receiver receiver);

  @Override
  void close();
}
