package org.pqsip.gateway;

import java.util.function.Consumer;
import org.pqsip.keying.PqCall;
import org.pqsip.srtp.PacketBuffer;
import org.pqsip.srtp.RtcpReveal;
import org.pqsip.srtp.SrtpResult;
import org.pqsip.srtp.SrtpStream;

/**
 * The trunk gateway's packet step, sans-IO: a packet that arrived on one leg is opened with that
 * leg's keys and sealed with the other leg's, in place in one buffer; nothing is allocated. A leg
 * without SRTP (plain RTP on a trusted LAN) is passed as null and its step skipped. A packet that
 * does not open (tampered, replayed, not ours) is dropped, never re-sealed. RTCP is opened and
 * sealed like RTP (each leg's SRTCP keys), so reports cross the gateway; the pqkem reveal does
 * not: it stays on the pqkem leg.
 */
public final class Reprotect {
  private Reprotect() {}

  /** RFC 5761 §4: RTCP packet types 192-223 in the second byte; everything else is RTP. */
  public static boolean isRtcp(PacketBuffer p) {
    if (p.getLength() < 2) {
      return false;
    }
    int pt = p.getBuffer()[p.getOffset() + 1] & 0xff;
    return pt >= 192 && pt <= 223;
  }

  /**
   * Moves {@code p} from the leg of {@code from} to the leg of {@code to}.
   *
   * @return {@link SrtpResult#OK} when {@code p} now holds the packet to send on the other leg
   */
  public static SrtpResult forward(PacketBuffer p, SrtpStream from, SrtpStream to) {
    return forward(p, from, to, null);
  }

  /**
   * As {@link #forward(PacketBuffer, SrtpStream, SrtpStream)}, from the pqkem leg: a pqkem reveal
   * in an RTCP packet that opened is handed to {@code reveals} (the gateway's own keying, which
   * ends the exchange on this leg) and taken out before the packet is sealed for the other leg.
   */
  public static SrtpResult forward(PacketBuffer p, SrtpStream from, SrtpStream to, Consumer<byte[]> reveals) {
    boolean rtcp = isRtcp(p);
    if (from != null) {
      SrtpResult r = rtcp ? from.unprotectRtcp(p) : from.unprotectRtp(p);
      if (r != SrtpResult.OK) {
        return r;
      }
    }
    if (rtcp && reveals != null) {
      RtcpReveal.find(p.getBuffer(), p.getOffset(), p.getLength(), PqCall.REVEAL_LENGTH).ifPresent(reveals);
      p.setLength(RtcpReveal.strip(p.getBuffer(), p.getOffset(), p.getLength()));
    }
    if (to != null) {
      return rtcp ? to.protectRtcp(p) : to.protectRtp(p);
    }
    return SrtpResult.OK;
  }
}
