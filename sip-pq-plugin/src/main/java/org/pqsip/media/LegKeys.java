package org.pqsip.media;

import java.util.concurrent.TimeUnit;
import org.pqsip.srtp.PacketBuffer;
import org.pqsip.srtp.SrtpResult;
import org.pqsip.srtp.SrtpStream;

/**
 * One media leg's SRTP keys through rekeys: what seals what we send, what opens what we receive,
 * and the contexts kept around a switch. Shared by the phone's {@link MediaSession} and the
 * trunk gateway's bridge legs, so both follow the same rekey rules:
 *
 * <ul>
 *   <li>The offerer of a rekey holds confirmed keys and switches at once, keeping the previous
 *       receive context for {@link #REKEY_GRACE_NANOS} for packets still in flight.
 *   <li>The answerer keeps the current keys both ways and holds the new ones as a candidate,
 *       tried only when the current keys fail; the first packet that authenticates under the
 *       candidate proves the offerer holds it, and then it takes over both ways. Until then a
 *       forged re-INVITE changes nothing that is sent or played.
 * </ul>
 *
 * {@link #open} runs on the receive thread only; {@link #rekey} and {@link #abandonRekey} on the
 * call's thread.
 */
public final class LegKeys implements AutoCloseable {
  /** Packets under the old keys arrive for at most this long after a rekey. */
  static final long REKEY_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);

  private final Runnable onTxChange;
  /** Protects what we send. */
  private volatile SrtpStream tx;
  /** Unprotects what we receive. */
  private volatile SrtpStream rx;
  /** The receive context before the last rekey, tried when the current one fails. */
  private volatile SrtpStream previousRx;
  /** Until when (nanoTime) {@link #previousRx} is kept after a rekey. */
  private volatile long previousRxUntil;
  /** Answerer: keys of an exchange not yet confirmed (see the class comment). */
  private volatile SrtpStream candidate;
  /** Orders {@link #abandonRekey} (call thread) against {@link #promote} (receive thread). */
  private final Object rekeyLock = new Object();
  private final PacketBuffer rxCopy = new PacketBuffer();

  /**
   * @param srtp the first keys, or null for plain RTP
   * @param onTxChange run whenever the sending keys change (a phone then takes a fresh SSRC)
   */
  public LegKeys(SrtpStream srtp, Runnable onTxChange) {
    this.tx = srtp;
    this.rx = srtp;
    this.onTxChange = onTxChange;
  }

  /** What seals packets we send now; null: plain RTP. */
  public SrtpStream tx() {
    return tx;
  }

  /**
   * Opens a received packet in place: with the current keys, else the candidate (which then
   * takes over), else the previous keys during their grace. Plain legs pass every packet. On a
   * failure the packet is left as it arrived.
   */
  public SrtpResult open(PacketBuffer p, boolean rtcp) {
    SrtpStream s = rx;
    if (s == null) {
      return SrtpResult.OK;
    }
    SrtpStream prev = previousRx;
    if (prev != null && System.nanoTime() > previousRxUntil) {
      previousRx = null; // grace over: stop copying every packet for a fallback no longer needed
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
    return r;
  }

  /**
   * New keys after a re-INVITE: at once ({@code deferTx} false, the offerer, or a leg that was
   * plain), or as the candidate ({@code deferTx} true, the answerer).
   */
  public void rekey(SrtpStream next, boolean deferTx) {
    if (deferTx && rx != null) {
      SrtpStream old = candidate;
      candidate = next;
      if (old != null && old != next) {
        old.close();
      }
    } else {
      takeOver(next);
    }
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

  private void takeOver(SrtpStream next) {
    SrtpStream oldPrevious = previousRx;
    previousRx = rx;
    previousRxUntil = System.nanoTime() + REKEY_GRACE_NANOS;
    rx = next;
    tx = next;
    onTxChange.run();
    retire(oldPrevious);
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

  private void retire(SrtpStream s) {
    if (s != null && s != tx && s != rx && s != previousRx) {
      s.close();
    }
  }

  /** Wipes every context held. */
  @Override
  public void close() {
    for (SrtpStream s : new SrtpStream[] {tx, rx, previousRx, candidate}) {
      if (s != null) {
        s.close();
      }
    }
  }
}
