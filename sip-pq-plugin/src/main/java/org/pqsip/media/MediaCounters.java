package org.pqsip.media;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.pqsip.srtp.SrtpResult;

/**
 * The counters of one media stream (a phone's {@link MediaSession} or a trunk gateway's bridge
 * leg), as the {@code media} events show them, and its first-packet moment.
 */
public final class MediaCounters {
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong authFailures = new AtomicLong();
  private final AtomicLong replays = new AtomicLong();
  private final AtomicLong rtcpSent = new AtomicLong();
  private final AtomicLong rtcpReceived = new AtomicLong();
  private final AtomicLong rtcpAuthFailures = new AtomicLong();
  private final AtomicLong sendFailures = new AtomicLong();
  private volatile long firstPacketNanos;
  private volatile Runnable onFirstPacket = () -> {};

  /** Counts how opening a received packet went; true when it opened. */
  public boolean opened(SrtpResult r, boolean rtcp) {
    if (r == SrtpResult.OK) {
      return true;
    }
    (r == SrtpResult.REPLAYED ? replays : rtcp ? rtcpAuthFailures : authFailures).incrementAndGet();
    return false;
  }

  /** An RTP packet that opened and is used (played, forwarded); the first runs the first-packet action. */
  public void received() {
    received.incrementAndGet();
    if (firstPacketNanos == 0) {
      firstPacketNanos = System.nanoTime();
      onFirstPacket.run();
    }
  }

  public void rtcpReceived() {
    rtcpReceived.incrementAndGet();
  }

  public void sent() {
    sent.incrementAndGet();
  }

  public long sentSoFar() {
    return sent.get();
  }

  public long receivedSoFar() {
    return received.get();
  }

  public void rtcpSent() {
    rtcpSent.incrementAndGet();
  }

  /** A send that failed (peer gone, network down): counted, the call reports it. */
  public void sendFailed() {
    sendFailures.incrementAndGet();
  }

  /** Run once, on the receive thread, when the first RTP packet is received. */
  public void onFirstPacket(Runnable r) {
    onFirstPacket = r;
  }

  public Optional<Long> firstPacketNanos() {
    long t = firstPacketNanos;
    return t == 0 ? Optional.empty() : Optional.of(t);
  }

  public MediaStats stats(long lost) {
    return new MediaStats(sent.get(), received.get(), lost, authFailures.get(), replays.get(), rtcpSent.get(),
        rtcpReceived.get(), rtcpAuthFailures.get(), sendFailures.get());
  }
}
