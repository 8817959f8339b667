package org.pqsip.media;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
 * transport below it can change without re-keying. Rekey: {@link LegKeys}. Every change of
 * sending keys also changes our SSRC, so no (key, SSRC, index) triple can ever repeat, even if
 * keys are abandoned and restored.
 */
public final class MediaSession implements CallMedia {
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

  private final LegKeys keys;
  private volatile byte[] revealOut;
  private volatile long revealUntil;

  private final short[] frame = new short[AudioCodec.FRAME_SAMPLES];
  private final short[] decoded = new short[1500];
  private final PacketBuffer txRtp = new PacketBuffer();
  private final PacketBuffer txRtcp = new PacketBuffer();
  private int seq;
  private long timestamp;
  private long octets;
  private int rtcpCountdown;

  private final MediaCounters counters = new MediaCounters();
  private long highestSeq = -1;
  private long firstSeq = -1;

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
    this.keys = new LegKeys(srtp, () -> ssrc = random.nextInt()); // fresh SSRC with fresh keys
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
  @Override
  public void onFirstPacket(Runnable r) {
    counters.onFirstPacket(r);
  }

  @Override
  public void start() {
    transport.start(this::onPacket);
    sender.scheduleAtFixedRate(this::sendFrame, 0, 20, TimeUnit.MILLISECONDS);
  }

  /**
   * New keys after a re-INVITE, by the rules of {@link LegKeys#rekey}; the reveal of the new
   * exchange (offerer) is sent from now on.
   */
  @Override
  public void rekey(SrtpStream next, byte[] nextReveal, boolean deferTx) {
    keys.rekey(next, deferTx);
    setReveal(nextReveal);
  }

  /** The answerer's pending keys were never confirmed: forget them, keep the current ones. */
  @Override
  public void abandonRekey() {
    keys.abandonRekey();
  }

  private void setReveal(byte[] reveal) {
    revealOut = reveal;
    revealUntil = System.nanoTime() + REVEAL_REPEAT_NANOS;
    rtcpCountdown = 0;
  }

  @Override
  public MediaStats stats() {
    long lost = 0;
    synchronized (this) {
      if (firstSeq >= 0) {
        lost = Math.max(0, (highestSeq - firstSeq + 1) - counters.receivedSoFar());
      }
    }
    return counters.stats(lost);
  }

  /** System.nanoTime() of the first RTP packet that decrypted and decoded, or empty. */
  @Override
  public Optional<Long> firstPacketNanos() {
    return counters.firstPacketNanos();
  }

  private void sendFrame() {
    if (!transport.canSend()) {
      return; // no path yet (ICE checks running, or restarting): nothing sent, nothing counted
    }
    try {
      source.read(frame);
      byte[] b = txRtp.getBuffer();
      Rtp.writeHeader(b, codec.payloadType(), seq, timestamp, ssrc, counters.sentSoFar() == 0);
      codec.encode(frame, frame.length, b, Rtp.HEADER);
      txRtp.setOffset(0);
      txRtp.setLength(Rtp.HEADER + frame.length);
      SrtpStream s = keys.tx();
      if (s == null || s.protectRtp(txRtp) == SrtpResult.OK) {
        transport.send(txRtp, false);
        counters.sent();
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
      counters.sendFailed();
    }
  }

  private void sendRtcp() throws IOException {
    byte[] reveal = System.nanoTime() < revealUntil ? revealOut : null;
    if (Rtcp.sendReport(txRtcp, transport, keys.tx(), ssrc, timestamp, counters.sentSoFar(), octets, cname, reveal)) {
      counters.rtcpSent();
    }
  }

  private void onPacket(PacketBuffer p, boolean rtcp) {
    if (!counters.opened(keys.open(p, rtcp), rtcp)) {
      return;
    }
    byte[] b = p.getBuffer();
    int off = p.getOffset();
    int len = p.getLength();
    if (rtcp) {
      counters.rtcpReceived();
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
    counters.received();
    if (recorder != null) {
      c.get().decode(b, off + payloadOff, n, decoded);
      try {
        recorder.write(decoded, n);
      } catch (IOException e) {
        // disk full or file gone: keep the call, lose the recording
      }
    }
  }

  private synchronized void track(int s) {
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
    keys.close();
    if (recorder != null) {
      try {
        recorder.close();
      } catch (IOException e) {
        // best effort
      }
    }
  }
}
