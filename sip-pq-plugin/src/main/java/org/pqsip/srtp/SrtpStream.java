package org.pqsip.srtp;

import org.jitsi.srtp.SrtpContextFactory;

/**
 * SRTP and SRTCP for one media stream (one m-line): outgoing packets are protected with our
 * master key, incoming ones unprotected with the peer's, in place in a {@link PacketBuffer}.
 * Our own code, allocation-free per packet: AEAD_AES_256_GCM (what pqkem keys) by RFC 7714
 * ({@link GcmSrtp}), the counter-mode suites (SDES with legacy phones) by RFC 3711 and RFC 6188
 * ({@link CmSrtp}). jitsi-srtp serves only libjitsi ({@link #contextFactory}).
 *
 * <p>Per-SSRC state (sequence numbers, rollover counters, replay windows) belongs to this object,
 * not to any socket, so it survives a change of network path untouched. Not thread-safe for one
 * direction; protect and unprotect may run on different threads.
 */
public final class SrtpStream implements AutoCloseable {
  /** Incoming SSRCs per stream; more is an attack or a misbehaving peer. */
  public static final int MAX_REMOTE_SSRCS = 16;

  private final SrtpSuite suite;
  private final SrtpTransform<?> engine;
  private boolean closed;

  public SrtpStream(SrtpMasterKey tx, SrtpMasterKey rx) {
    if (tx.suite() != rx.suite()) {
      throw new IllegalArgumentException("both directions must use the same suite");
    }
    this.suite = tx.suite();
    this.engine = suite.aead() ? new GcmSrtp(tx, rx) : new CmSrtp(tx, rx);
  }

  public SrtpSuite suite() {
    return suite;
  }

  /**
   * jitsi-srtp's context factory for one direction ({@code sender}: we protect with {@code k}),
   * with a copy of the key: what libjitsi's SRTP transformers take (the libjitsi adapter).
   */
  public static SrtpContextFactory contextFactory(boolean sender, SrtpMasterKey k) {
    return JitsiSrtp.contextFactory(sender, k);
  }

  public SrtpResult protectRtp(PacketBuffer p) {
    return engine.protectRtp(p);
  }

  /**
   * Unprotects in place. A context for a new SSRC is kept only once a packet authenticates under
   * it, so spoofed packets with made-up SSRCs cannot fill the table and lock the peer out.
   */
  public SrtpResult unprotectRtp(PacketBuffer p) {
    return engine.unprotectRtp(p);
  }

  public SrtpResult protectRtcp(PacketBuffer p) {
    return engine.protectRtcp(p);
  }

  /** As {@link #unprotectRtp}: a new SSRC's context is kept only after it authenticates. */
  public SrtpResult unprotectRtcp(PacketBuffer p) {
    return engine.unprotectRtcp(p);
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      engine.close();
    }
  }
}
