package org.pqsip.media;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.pqsip.srtp.PacketBuffer;
import org.pqsip.srtp.SrtpResult;
import org.pqsip.srtp.SrtpStream;

/**
 * One audio stream of a call: G.711 frames every 20 ms out, decoded frames in, SRTP when keyed,
 * RTCP with the pqkem reveal while one is pending. Owns its threads (one sender) and its
 * transport; {@link #close()} releases both.
 *
 * <p>Path independence: SRTP contexts and RTP sequence state belong to this object, so the
 * transport below it can change without re-keying. Rekey: {@link #rekey} swaps in new SRTP
 * contexts and keeps the previous receive context as a fallback, so packets sent under the old
 * keys during the switch still play. Every change of sending keys also changes our SSRC, so no
 * (key, SSRC, index) triple can ever repeat, even if keys are abandoned and restored.
 */
public final class MediaSession implements AutoCloseable {
  /** How long the reveal is repeated in every RTCP packet after each key exchange. */
  static final long REVEAL_REPEAT_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final MediaTransport transport;
  private final AudioCodec codec;
  private final AudioSource source;
  private final Wav.Writer recorder;
  private final Consumer<byte[]> revealListener;
  private volatile int ssrc;
  private final SecureRandom random;
  private final byte[] cname;
  private final ScheduledExecutorService sender;

  /** Protects what we send. */
  private volatile SrtpStream txSrtp;
  /** Unprotects what we receive. */
  private volatile SrtpStream rxSrtp;
  /** The receive context before the last rekey, tried when the current one fails. */
  private volatile SrtpStream previousRx;
  /** Until when (nanoTime) {@link #previousRx} is kept after a rekey. */
  private volatile long previousRxUntil;
  /** Packets under the old keys arrive for at most this long after a rekey. */
  static final long REKEY_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);
  /**
   * Answerer: keys of an exchange not yet confirmed. They receive only when the current keys
   * fail, and replace the current keys (both ways) once a packet authenticates under them: then
   * the offerer provably holds them.
   */
  private volatile SrtpStream candidate;
  private volatile byte[] revealOut;
  private volatile long revealUntil;

  private final short[] frame = new short[AudioCodec.FRAME_SAMPLES];
  private final short[] decoded = new short[1500];
  private final PacketBuffer txRtp = new PacketBuffer();
  private final PacketBuffer txRtcp = new PacketBuffer();
  private final PacketBuffer rxCopy = new PacketBuffer();
  private int seq;
  private long timestamp;
  private long octets;
  private int rtcpCountdown;

  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong authFailures = new AtomicLong();
  private final AtomicLong replays = new AtomicLong();
  private final AtomicLong rtcpSent = new AtomicLong();
  private final AtomicLong rtcpReceived = new AtomicLong();
  private final AtomicLong rtcpAuthFailures = new AtomicLong();
  private final AtomicLong sendFailures = new AtomicLong();
  private long highestSeq = -1;
  private long firstSeq = -1;
  private volatile long firstPacketNanos;
  private volatile Runnable onFirstPacket = () -> {};

  /**
   * @param srtp null for plain RTP
   * @param revealOut the reveal to send (offerer under pqkem), or null
   * @param revealListener receives reveals found in incoming RTCP (answerer)
   * @param recorder null to discard received audio
   */
  public MediaSession(
      MediaTransport transport,
      AudioCodec codec,
      AudioSource source,
      SrtpStream srtp,
      byte[] revealOut,
      Consumer<byte[]> revealListener,
      Wav.Writer recorder,
      SecureRandom random) {
    this.transport = transport;
    this.codec = codec;
    this.source = source;
    this.txSrtp = srtp;
    this.rxSrtp = srtp;
    this.revealListener = revealListener;
    this.recorder = recorder;
    this.random = random;
    this.ssrc = random.nextInt();
    this.seq = random.nextInt(1 << 15);
    this.timestamp = random.nextInt() & 0xffffffffL;
    byte[] c = new byte[8];
    random.nextBytes(c);
    this.cname = HexFormat.of().formatHex(c).getBytes(StandardCharsets.US_ASCII);
    setReveal(revealOut);
    this.sender =
        Executors.newSingleThreadScheduledExecutor(org.pqsip.media.DaemonThreads.named("pqsip-media-tx"));
  }

  /** Called once, on the receive thread, when the first RTP packet decrypts and decodes. */
  public void onFirstPacket(Runnable r) {
    this.onFirstPacket = r;
  }

  public void start() {
    transport.start(this::onPacket);
    sender.scheduleAtFixedRate(this::sendFrame, 0, 20, TimeUnit.MILLISECONDS);
  }

  /**
   * New keys after a re-INVITE. The offerer ({@code deferTx} false) holds confirmed keys: it
   * sends and receives with them at once, keeping the old receive context for packets still in
   * flight. The answerer ({@code deferTx} true), who answers before the offerer could prove
   * anything, keeps using the current keys both ways and switches when the first packet under
   * the new ones authenticates; until then a forged re-INVITE changes nothing it sends or plays.
   */
  public void rekey(SrtpStream next, byte[] nextReveal, boolean deferTx) {
    if (deferTx && rxSrtp != null) { // from plain RTP there is nothing to keep: switch at once
      SrtpStream old = candidate;
      candidate = next;
      if (old != null && old != next) {
        old.close();
      }
    } else {
      takeOver(next);
    }
    setReveal(nextReveal);
  }

  /** {@code next} protects both ways; the old receive context stays for packets in flight. */
  private void takeOver(SrtpStream next) {
    SrtpStream oldPrevious = previousRx;
    previousRx = rxSrtp;
    previousRxUntil = System.nanoTime() + REKEY_GRACE_NANOS;
    rxSrtp = next;
    switchTx(next);
    retire(oldPrevious);
  }

  /** The answerer's pending keys were never confirmed: forget them, keep the current ones. */
  public void abandonRekey() {
    SrtpStream c;
    synchronized (rekeyLock) {
      c = candidate;
      candidate = null;
    }
    if (c != null) {
      c.close();
    }
  }

  /** Orders {@link #abandonRekey} (timer thread) against {@link #promote} (receive thread). */
  private final Object rekeyLock = new Object();

  private void switchTx(SrtpStream next) {
    ssrc = random.nextInt(); // fresh SSRC with fresh keys
    txSrtp = next;
  }

  private void retire(SrtpStream s) {
    if (s != null && s != txSrtp && s != rxSrtp && s != previousRx) {
      s.close();
    }
  }

  private void setReveal(byte[] reveal) {
    revealOut = reveal;
    revealUntil = System.nanoTime() + REVEAL_REPEAT_NANOS;
    rtcpCountdown = 0;
  }

  public MediaStats stats() {
    long lost = 0;
    synchronized (this) {
      if (firstSeq >= 0) {
        lost = Math.max(0, (highestSeq - firstSeq + 1) - received.get());
      }
    }
    return new MediaStats(
        sent.get(), received.get(), lost, authFailures.get(), replays.get(), rtcpSent.get(), rtcpReceived.get(),
        rtcpAuthFailures.get(), sendFailures.get());
  }

  /** System.nanoTime() of the first RTP packet that decrypted and decoded, or empty. */
  public Optional<Long> firstPacketNanos() {
    long t = firstPacketNanos;
    return t == 0 ? Optional.empty() : Optional.of(t);
  }

  private void sendFrame() {
    if (!transport.canSend()) {
      return; // no path yet (ICE checks running, or restarting): nothing sent, nothing counted
    }
    try {
      source.read(frame);
      byte[] b = txRtp.getBuffer();
      Rtp.writeHeader(b, codec.payloadType(), seq, timestamp, ssrc, sent.get() == 0);
      codec.encode(frame, frame.length, b, Rtp.HEADER);
      txRtp.setOffset(0);
      txRtp.setLength(Rtp.HEADER + frame.length);
      SrtpStream s = txSrtp;
      if (s == null || s.protectRtp(txRtp) == SrtpResult.OK) {
        transport.send(txRtp, false);
        sent.incrementAndGet();
        octets += frame.length;
      }
      seq = (seq + 1) & 0xffff;
      timestamp = (timestamp + AudioCodec.FRAME_SAMPLES) & 0xffffffffL;
      if (--rtcpCountdown <= 0) {
        sendRtcp();
        boolean revealing = revealOut != null && System.nanoTime() < revealUntil;
        rtcpCountdown = revealing ? 10 : 250; // 200 ms while revealing, else 5 s
      }
    } catch (IOException | RuntimeException e) {
      // A send error (peer gone, network down) must not stop the schedule; it is counted, and
      // the call reports it (media-warning) instead of carrying on in silence.
      sendFailures.incrementAndGet();
    }
  }

  private void sendRtcp() throws IOException {
    byte[] reveal = System.nanoTime() < revealUntil ? revealOut : null;
    long ntp = ntpNow();
    int n =
        Rtcp.writeCompound(
            txRtcp.getBuffer(), ssrc, ntp, timestamp, sent.get(), octets, cname, reveal);
    txRtcp.setOffset(0);
    txRtcp.setLength(n);
    SrtpStream s = txSrtp;
    if (s == null || s.protectRtcp(txRtcp) == SrtpResult.OK) {
      transport.send(txRtcp, true);
      rtcpSent.incrementAndGet();
    }
  }

  private static long ntpNow() {
    long ms = System.currentTimeMillis() + 2_208_988_800_000L;
    long secs = ms / 1000;
    long frac = ((ms % 1000) << 32) / 1000;
    return (secs << 32) | frac;
  }

  private void onPacket(PacketBuffer p, boolean rtcp) {
    SrtpStream s = rxSrtp;
    if (s != null) {
      SrtpStream prev = previousRx;
      if (prev != null && System.nanoTime() > previousRxUntil) {
        previousRx = null; // grace over: stop copying every packet for a fallback that is no longer needed
        retire(prev);
        prev = null;
      }
      if (prev != null || candidate != null) {
        rxCopy.set(p.getBuffer(), p.getOffset(), p.getLength());
      }
      SrtpResult r = rtcp ? s.unprotectRtcp(p) : s.unprotectRtp(p);
      SrtpStream cand = candidate;
      if (r == SrtpResult.AUTH_FAILED && cand != null) {
        p.set(rxCopy.getBuffer(), 0, rxCopy.getLength());
        r = rtcp ? cand.unprotectRtcp(p) : cand.unprotectRtp(p);
        if (r == SrtpResult.OK) {
          promote(cand);
        } else {
          p.set(rxCopy.getBuffer(), 0, rxCopy.getLength());
          r = SrtpResult.AUTH_FAILED;
        }
      }
      if (r == SrtpResult.AUTH_FAILED && prev != null) {
        p.set(rxCopy.getBuffer(), 0, rxCopy.getLength());
        r = rtcp ? prev.unprotectRtcp(p) : prev.unprotectRtp(p);
      }
      if (r == SrtpResult.REPLAYED) {
        replays.incrementAndGet();
        return;
      }
      if (r != SrtpResult.OK) {
        (rtcp ? rtcpAuthFailures : authFailures).incrementAndGet();
        return;
      }
    }
    byte[] b = p.getBuffer();
    int off = p.getOffset();
    int len = p.getLength();
    if (rtcp) {
      rtcpReceived.incrementAndGet();
      Rtcp.findReveal(b, off, len, org.pqsip.keying.PqCall.REVEAL_LENGTH).ifPresent(revealListener);
      return;
    }
    if (len < Rtp.HEADER || Rtp.version(b, off) != 2) {
      return;
    }
    Optional<AudioCodec> c = AudioCodec.forPayloadType(Rtp.payloadType(b, off));
    int payloadOff = Rtp.payloadOffset(b, off, len);
    if (c.isEmpty() || payloadOff < 0) {
      return; // comfort noise, telephone-event, …: counted nowhere, played never
    }
    int n = Math.min(Rtp.payloadLength(b, off, len, payloadOff), decoded.length);
    if (n < 0) {
      return;
    }
    track(Rtp.sequence(b, off));
    if (firstPacketNanos == 0) {
      firstPacketNanos = System.nanoTime();
      onFirstPacket.run();
    }
    if (recorder != null) {
      c.get().decode(b, off + payloadOff, n, decoded);
      try {
        recorder.write(decoded, n);
      } catch (IOException e) {
        // disk full or file gone: keep the call, lose the recording
      }
    }
  }

  /** The offerer sent under the candidate keys: they become the keys, both ways. */
  private void promote(SrtpStream cand) {
    synchronized (rekeyLock) {
      if (candidate != cand) {
        return; // abandoned meanwhile: keep the current keys
      }
      candidate = null;
      takeOver(cand);
    }
  }

  private synchronized void track(int s) {
    received.incrementAndGet();
    if (firstSeq < 0) {
      firstSeq = s;
      highestSeq = s;
      return;
    }
    long ext = highestSeq;
    long cand = (ext & ~0xffffL) | s;
    if (cand < ext - 0x8000) {
      cand += 0x10000;
    } else if (cand > ext + 0x8000) {
      cand -= 0x10000;
    }
    if (cand > highestSeq) {
      highestSeq = cand;
    }
  }

  @Override
  public void close() {
    sender.shutdownNow();
    try {
      sender.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    transport.close();
    for (SrtpStream s : new SrtpStream[] {txSrtp, rxSrtp, previousRx, candidate}) {
      if (s != null) {
        s.close();
      }
    }
    if (recorder != null) {
      try {
        recorder.close();
      } catch (IOException e) {
        // best effort
      }
    }
  }
}
