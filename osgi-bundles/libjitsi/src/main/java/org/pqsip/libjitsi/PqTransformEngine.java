package org.pqsip.libjitsi;

import java.util.function.Consumer;
import org.jitsi.impl.neomedia.transform.PacketTransformer;
import org.jitsi.impl.neomedia.transform.SinglePacketTransformer;
import org.jitsi.impl.neomedia.transform.srtp.SRTCPTransformer;
import org.jitsi.impl.neomedia.transform.srtp.SRTPTransformer;
import org.jitsi.service.neomedia.RawPacket;
import org.jitsi.service.neomedia.SrtpControl;
import org.pqsip.keying.PqCall;
import org.pqsip.negotiation.MediaKeys;
import org.pqsip.srtp.RtcpReveal;
import org.pqsip.srtp.SrtpStream;

/**
 * libjitsi's own SRTP/SRTCP transformers ({@link SRTPTransformer}, {@link SRTCPTransformer}),
 * keyed with pqkem's media keys, behind two transformers that stay the same objects for the
 * stream's life (libjitsi takes them once) while keys arrive and change. Before the first keys,
 * nothing passes either way: a stream never sends or accepts plaintext under this control.
 *
 * <p>RTCP carries the pqkem reveal (docs/PROTOCOL.md §5.2): as offerer, an APP {@code PQSR}
 * packet is appended to each outgoing compound packet for {@link #REVEAL_REPEAT_NANOS} after
 * keying, before SRTCP protects it; as answerer, each incoming compound packet that SRTCP
 * authenticated is searched for one.
 */
final class PqTransformEngine implements SrtpControl.TransformEngine {
  /**
   * Room each packet must have past its end before SRTP/SRTCP protects it: the longest tag (16)
   * and the SRTCP index (4). jitsi-srtp's OpenSSL path writes the tag in place, through JNI,
   * without checking the array: a packet without room (libjitsi's injected packets have none)
   * overran the heap and crashed the JVM (PqSrtpControlIT found it).
   */
  static final int TRAILER_ROOM = 20;

  /** As our own phones: the reveal rides every RTCP packet for 10 s after each key exchange. */
  static final long REVEAL_REPEAT_NANOS = 10_000_000_000L;

  private volatile SRTPTransformer srtp;
  private volatile SRTCPTransformer srtcp;
  private volatile byte[] revealOut;
  private volatile long revealUntil;
  private volatile Consumer<byte[]> revealIn;

  private final PacketTransformer rtp = new SinglePacketTransformer() {
    @Override
    public RawPacket transform(RawPacket pkt) {
      SRTPTransformer t = srtp;
      if (t == null) {
        return null;
      }
      pkt.grow(TRAILER_ROOM);
      return t.transform(pkt);
    }

    @Override
    public RawPacket reverseTransform(RawPacket pkt) {
      SRTPTransformer t = srtp;
      return t == null ? null : t.reverseTransform(pkt);
    }
  };

  private final PacketTransformer rtcp = new SinglePacketTransformer() {
    @Override
    public RawPacket transform(RawPacket pkt) {
      SRTCPTransformer t = srtcp;
      if (t == null) {
        return null;
      }
      byte[] reveal = revealOut;
      if (reveal != null && System.nanoTime() < revealUntil) {
        int at = pkt.getLength();
        pkt.grow(RtcpReveal.length(reveal.length));
        RtcpReveal.write(pkt.getBuffer(), pkt.getOffset() + at, pkt.getSSRC(), reveal);
        pkt.setLength(at + RtcpReveal.length(reveal.length));
      }
      pkt.grow(TRAILER_ROOM);
      return t.transform(pkt);
    }

    @Override
    public RawPacket reverseTransform(RawPacket pkt) {
      SRTCPTransformer t = srtcp;
      RawPacket out = t == null ? null : t.reverseTransform(pkt);
      Consumer<byte[]> listener = revealIn;
      if (out != null && listener != null) {
        RtcpReveal.find(out.getBuffer(), out.getOffset(), out.getLength(), PqCall.REVEAL_LENGTH).ifPresent(listener);
      }
      return out;
    }
  };

  /**
   * New keys for both directions (the previous transformers are closed). {@code revealOut}: the
   * reveal to send (offerer), or null; {@code revealIn}: told of reveals that arrive (answerer).
   */
  synchronized void key(MediaKeys keys, byte[] revealOut, Consumer<byte[]> revealIn) {
    SRTPTransformer oldRtp = srtp;
    SRTCPTransformer oldRtcp = srtcp;
    SRTPTransformer newRtp =
        new SRTPTransformer(SrtpStream.contextFactory(true, keys.tx()), SrtpStream.contextFactory(false, keys.rx()));
    srtcp = new SRTCPTransformer(
        SrtpStream.contextFactory(true, keys.tx()), SrtpStream.contextFactory(false, keys.rx()));
    srtp = newRtp;
    this.revealIn = revealIn;
    this.revealUntil = System.nanoTime() + REVEAL_REPEAT_NANOS;
    this.revealOut = revealOut;
    if (oldRtp != null) {
      oldRtp.close();
    }
    if (oldRtcp != null) {
      oldRtcp.close();
    }
  }

  boolean keyed() {
    return srtp != null;
  }

  @Override
  public PacketTransformer getRTPTransformer() {
    return rtp;
  }

  @Override
  public PacketTransformer getRTCPTransformer() {
    return rtcp;
  }

  @Override
  public synchronized void cleanup() {
    revealOut = null;
    revealIn = null;
    if (srtp != null) {
      srtp.close();
      srtp = null;
    }
    if (srtcp != null) {
      srtcp.close();
      srtcp = null;
    }
  }
}
