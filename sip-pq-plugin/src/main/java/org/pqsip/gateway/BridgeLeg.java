package org.pqsip.gateway;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.pqsip.keying.PqCall;
import org.pqsip.media.AudioCodec;
import org.pqsip.media.CallMedia;
import org.pqsip.media.LegKeys;
import org.pqsip.media.MediaCounters;
import org.pqsip.media.MediaStats;
import org.pqsip.media.MediaTransport;
import org.pqsip.media.Rtcp;
import org.pqsip.media.Rtp;
import org.pqsip.srtp.PacketBuffer;
import org.pqsip.srtp.RtcpReveal;
import org.pqsip.srtp.SrtpResult;
import org.pqsip.srtp.SrtpStream;

/**
 * One leg of a call bridged by the trunk gateway, as that leg's user agent drives it: an RTP
 * packet that opens with this leg's keys is sealed with the partner leg's keys, in place in the
 * receive buffer, and sent on the partner's transport; each leg's keys follow its own rekeys
 * through {@link LegKeys}. A leg without keys is plain RTP (a trusted LAN). What does not open is
 * dropped, never re-sealed. When the legs agreed on different G.711 laws (PCMU on one, PCMA on
 * the other), the audio is rewritten byte for byte on the way. After warm-up nothing is
 * allocated per packet here nor in the SRTP below ({@code ./pq bench gateway} measures the path).
 *
 * <p>RTCP is terminated per leg, not forwarded: each leg reads its peer's reports (and, on the
 * pqkem leg, the reveal that confirms the exchange) and sends its own sender reports, with our
 * reveal while one is pending (the gateway is the pqkem offerer on the trunk leg of a call from
 * its site, and the local phone sends none). So the reveal never crosses to the local leg, and
 * nothing of one leg's RTCP keys or reports reaches the other.
 */
public final class BridgeLeg implements CallMedia, MediaTransport.Receiver {
  /** How long our reveal is repeated after each key exchange, and how often meanwhile. */
  private static final long REVEAL_REPEAT_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final long REVEAL_EVERY_MS = 200;
  private static final long REPORT_EVERY_MS = 5_000;

  private final MediaTransport transport;
  /** The G.711 law this leg agreed on: audio from a partner on the other law is rewritten. */
  private final AudioCodec codec;
  private final LegKeys keys;
  private final Consumer<byte[]> reveals;
  private final ScheduledExecutorService reports;
  private final Runnable onClose;
  private final byte[] cname;
  private final PacketBuffer txRtcp = new PacketBuffer();
  private volatile BridgeLeg partner;
  private volatile byte[] revealOut;
  private volatile long revealUntil;
  private volatile ScheduledFuture<?> nextReport;
  private volatile boolean closed;
  /** SSRC, timestamp and octets of what we last sent on this leg (for our sender reports). */
  private volatile int lastSsrc;
  private volatile long lastTimestamp;
  private final AtomicLong octets = new AtomicLong();
  private final MediaCounters counters = new MediaCounters();

  /**
   * @param srtp this leg's keys, or null for plain RTP (a trusted LAN)
   * @param revealOut our pqkem reveal to send on this leg (offerer), or null
   * @param reveals told of reveals in the peer's RTCP on this leg (answerer)
   * @param reports the thread that sends this leg's RTCP
   * @param onClose run once when the leg closes (the gateway forgets it)
   */
  public BridgeLeg(MediaTransport transport, AudioCodec codec, SrtpStream srtp, byte[] revealOut,
      Consumer<byte[]> reveals, ScheduledExecutorService reports, SecureRandom random, Runnable onClose) {
    this.transport = transport;
    this.codec = codec;
    this.keys = new LegKeys(srtp, () -> {});
    this.reveals = reveals;
    this.reports = reports;
    this.onClose = onClose;
    this.lastSsrc = random.nextInt(); // until we forward a stream, our reports use an SSRC of our own
    byte[] c = new byte[8];
    random.nextBytes(c);
    this.cname = HexFormat.of().formatHex(c).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    setReveal(revealOut);
  }

  /** Joins two legs of one call: from now on each forwards to the other. */
  public static void link(BridgeLeg a, BridgeLeg b) {
    a.partner = b;
    b.partner = a;
  }

  @Override
  public void start() {
    transport.start(this);
    schedule(0);
  }

  private void schedule(long delayMs) {
    if (closed) {
      return;
    }
    try {
      nextReport = reports.schedule(this::report, delayMs, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // the gateway is stopping
    }
  }

  private void report() {
    boolean revealing = revealOut != null && System.nanoTime() < revealUntil;
    try {
      if (transport.canSend() && Rtcp.sendReport(txRtcp, transport, keys.tx(), lastSsrc, lastTimestamp,
          counters.sentSoFar(), octets.get(), cname, revealing ? revealOut : null)) {
        counters.rtcpSent();
      }
    } catch (IOException | RuntimeException e) {
      counters.sendFailed();
    }
    schedule(revealing ? REVEAL_EVERY_MS : REPORT_EVERY_MS);
  }

  /** A packet from this leg's peer, on the receive thread. */
  @Override
  public void onPacket(PacketBuffer p, boolean rtcp) {
    if (!counters.opened(keys.open(p, rtcp), rtcp)) {
      return;
    }
    if (rtcp || isRtcp(p)) { // RTCP multiplexed on the RTP port (ICE) is RTCP too
      counters.rtcpReceived();
      RtcpReveal.find(p.getBuffer(), p.getOffset(), p.getLength(), PqCall.REVEAL_LENGTH).ifPresent(reveals);
      return;
    }
    if (p.getLength() < Rtp.HEADER || Rtp.version(p.getBuffer(), p.getOffset()) != 2) {
      return;
    }
    counters.received();
    BridgeLeg other = partner;
    if (other != null) {
      if (other.codec != codec && Rtp.payloadType(p.getBuffer(), p.getOffset()) == codec.payloadType()) {
        toLaw(p, other.codec);
      }
      other.send(p);
    }
  }

  /** RFC 5761 §4: RTCP packet types 192-223 in the second byte; everything else is RTP. */
  static boolean isRtcp(PacketBuffer p) {
    if (p.getLength() < 2) {
      return false;
    }
    int pt = p.getBuffer()[p.getOffset() + 1] & 0xff;
    return pt >= 192 && pt <= 223;
  }

  /** Rewrites the packet's audio (and payload type) in {@code to}'s law, in place. */
  private void toLaw(PacketBuffer p, AudioCodec to) {
    byte[] b = p.getBuffer();
    int off = p.getOffset();
    int len = p.getLength();
    int payloadOff = Rtp.payloadOffset(b, off, len);
    int n = payloadOff < 0 ? -1 : Rtp.payloadLength(b, off, len, payloadOff);
    if (n > 0) {
      codec.transcode(b, off + payloadOff, n, to);
      b[off + 1] = (byte) ((b[off + 1] & 0x80) | to.payloadType());
    }
  }

  /** Seals an opened RTP packet with this leg's keys and sends it to this leg's peer. */
  private void send(PacketBuffer p) {
    if (closed || !transport.canSend()) {
      return;
    }
    byte[] b = p.getBuffer();
    int off = p.getOffset();
    int len = p.getLength();
    lastSsrc = (b[off + 8] & 0xff) << 24 | (b[off + 9] & 0xff) << 16 | (b[off + 10] & 0xff) << 8 | (b[off + 11] & 0xff);
    lastTimestamp = ((b[off + 4] & 0xffL) << 24) | ((b[off + 5] & 0xff) << 16) | ((b[off + 6] & 0xff) << 8) | (b[off + 7] & 0xff);
    SrtpStream s = keys.tx();
    try {
      if (s == null || s.protectRtp(p) == SrtpResult.OK) {
        transport.send(p, false);
        counters.sent();
        octets.addAndGet(len - Rtp.HEADER);
      }
    } catch (IOException | RuntimeException e) {
      counters.sendFailed();
    }
  }

  @Override
  public void rekey(SrtpStream next, byte[] reveal, boolean deferTx) {
    keys.rekey(next, deferTx);
    setReveal(reveal);
    if (reveal != null) {
      // The new reveal goes out now, not at the next 5 s report. On the reports thread, where
      // report() reschedules itself, so there is only ever one chain of reports.
      try {
        reports.execute(() -> {
          ScheduledFuture<?> f = nextReport;
          if (f != null && f.cancel(false)) {
            schedule(0);
          }
        });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // the gateway is stopping
      }
    }
  }

  private void setReveal(byte[] reveal) {
    revealOut = reveal;
    revealUntil = System.nanoTime() + REVEAL_REPEAT_NANOS;
  }

  @Override
  public void abandonRekey() {
    keys.abandonRekey();
  }

  @Override
  public MediaStats stats() {
    return counters.stats(0);
  }

  @Override
  public Optional<Long> firstPacketNanos() {
    return counters.firstPacketNanos();
  }

  @Override
  public void onFirstPacket(Runnable r) {
    counters.onFirstPacket(r);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    BridgeLeg other = partner;
    partner = null;
    if (other != null) {
      other.partner = null;
    }
    ScheduledFuture<?> f = nextReport;
    if (f != null) {
      f.cancel(false);
    }
    transport.close(); // returns when the receive loop no longer reads it
    keys.close();
    onClose.run();
  }
}
