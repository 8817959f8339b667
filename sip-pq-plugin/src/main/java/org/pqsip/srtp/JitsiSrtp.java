package org.pqsip.srtp;

import java.security.GeneralSecurityException;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Level;
import org.jitsi.srtp.SrtcpCryptoContext;
import org.jitsi.srtp.SrtpContextFactory;
import org.jitsi.srtp.SrtpCryptoContext;
import org.jitsi.srtp.SrtpErrorStatus;
import org.jitsi.srtp.SrtpPolicy;
import org.jitsi.utils.logging2.Logger;
import org.jitsi.utils.logging2.LoggerImpl;

/**
 * SRTP and SRTCP on jitsi-srtp, for the counter-mode suites (SDES with legacy phones). Our code
 * allocates nothing per packet once an SSRC's context exists; jitsi-srtp's HMAC and cipher calls
 * do (see README, "SRTP per packet").
 */
final class JitsiSrtp implements SrtpEngine {
  static {
    // jitsi-srtp picks its AES implementation by benchmarking every provider (11,000 warm-up
    // rounds each, per transformation) when the first context is made: seconds on a busy
    // machine, during which a new phone's first call sends nothing (seen in NatIceIT: 0
    // packets in a 3 s call). OpenSSL, the fastest here, is tried first and only verified; if
    // it does not load, the benchmark picks among the others as before.
    org.jitsi.srtp.crypto.Aes.setFactoryClassName("OpenSSL");
  }

  private static final Logger LOG = new LoggerImpl("org.pqsip.srtp", Level.WARNING);

  private final SrtpSuite suite;
  private final SrtpContextFactory txFactory;
  private final SrtpContextFactory rxFactory;
  private final Map<Integer, SrtpCryptoContext> txRtp = new HashMap<>();
  private final Map<Integer, SrtcpCryptoContext> txRtcp = new HashMap<>();
  private final Map<Integer, SrtpCryptoContext> rxRtp = new HashMap<>();
  private final Map<Integer, SrtcpCryptoContext> rxRtcp = new HashMap<>();
  // One-entry caches: a voice stream has one SSRC each way, so the per-packet lookup never boxes
  // an Integer for the HashMap (which allocated 16 bytes per packet each way).
  private int txSsrc;
  private SrtpCryptoContext txLast;
  private int rxSsrc;
  private SrtpCryptoContext rxLast;

  JitsiSrtp(SrtpMasterKey tx, SrtpMasterKey rx) {
    this.suite = tx.suite();
    this.txFactory = contextFactory(true, tx);
    this.rxFactory = contextFactory(false, rx);
  }

  /**
   * jitsi-srtp's context factory for one direction ({@code sender}: we protect with {@code k}),
   * with a copy of the key: what libjitsi's SRTP transformers take (the libjitsi adapter).
   */
  public static SrtpContextFactory contextFactory(boolean sender, SrtpMasterKey k) {
    SrtpPolicy policy = policy(k.suite());
    return new SrtpContextFactory(
        sender, k.key().exposeSecretBytes().clone(), k.salt().exposeSecretBytes().clone(),
        policy, policy(k.suite()), LOG);
  }

  static SrtpPolicy policy(SrtpSuite s) {
    if (s.aead()) {
      return new SrtpPolicy(
          SrtpPolicy.AESGCM_ENCRYPTION, s.keyLength(), SrtpPolicy.NULL_AUTHENTICATION, 0,
          s.tagLength(), s.saltLength());
    }
    return new SrtpPolicy(
        SrtpPolicy.AESCM_ENCRYPTION, s.keyLength(), SrtpPolicy.HMACSHA1_AUTHENTICATION, 20,
        s.tagLength(), s.saltLength());
  }

  @Override
  public SrtpResult protectRtp(PacketBuffer p) {
    if (p.getLength() < 12) {
      return SrtpResult.INVALID;
    }
    int ssrc = ssrc(p, 8);
    try {
      SrtpCryptoContext c = txLast != null && txSsrc == ssrc ? txLast : txRtp.get(ssrc);
      if (c == null) {
        c = txFactory.deriveContext(ssrc, 0);
        txRtp.put(ssrc, c);
      }
      txSsrc = ssrc;
      txLast = c;
      return map(c.transformPacket(p));
    } catch (GeneralSecurityException e) {
      return SrtpResult.INVALID;
    }
  }

  /**
   * Unprotects in place. A context for a new SSRC is kept only once a packet authenticates under
   * it, so spoofed packets with made-up SSRCs cannot fill the table and lock the peer out.
   */
  @Override
  public SrtpResult unprotectRtp(PacketBuffer p) {
    if (p.getLength() < 12 + suite.tagLength() || ((p.getBuffer()[p.getOffset()] & 0xc0) != 0x80)) {
      return SrtpResult.INVALID;
    }
    int ssrc = ssrc(p, 8);
    try {
      SrtpCryptoContext c = rxLast != null && rxSsrc == ssrc ? rxLast : rxRtp.get(ssrc);
      if (c == null) {
        if (rxRtp.size() >= SrtpStream.MAX_REMOTE_SSRCS) {
          return SrtpResult.TOO_MANY_SSRCS;
        }
        SrtpCryptoContext trial = rxFactory.deriveContext(ssrc, 0);
        SrtpResult r = map(trial.reverseTransformPacket(p, false));
        if (r == SrtpResult.OK) {
          rxRtp.put(ssrc, trial);
          rxSsrc = ssrc;
          rxLast = trial;
        }
        return r;
      }
      rxSsrc = ssrc;
      rxLast = c;
      return map(c.reverseTransformPacket(p, false));
    } catch (GeneralSecurityException | RuntimeException e) {
      return SrtpResult.INVALID;
    }
  }

  @Override
  public SrtpResult protectRtcp(PacketBuffer p) {
    if (p.getLength() < 8) {
      return SrtpResult.INVALID;
    }
    int ssrc = ssrc(p, 4);
    try {
      SrtcpCryptoContext c = txRtcp.get(ssrc);
      if (c == null) {
        c = txFactory.deriveControlContext(ssrc);
        txRtcp.put(ssrc, c);
      }
      return map(c.transformPacket(p));
    } catch (GeneralSecurityException e) {
      return SrtpResult.INVALID;
    }
  }

  /** As {@link #unprotectRtp}: a new SSRC's context is kept only after it authenticates. */
  @Override
  public SrtpResult unprotectRtcp(PacketBuffer p) {
    if (p.getLength() < 8 + 4 + suite.tagLength()) {
      return SrtpResult.INVALID;
    }
    int ssrc = ssrc(p, 4);
    try {
      SrtcpCryptoContext c = rxRtcp.get(ssrc);
      if (c == null) {
        if (rxRtcp.size() >= SrtpStream.MAX_REMOTE_SSRCS) {
          return SrtpResult.TOO_MANY_SSRCS;
        }
        SrtcpCryptoContext trial = rxFactory.deriveControlContext(ssrc);
        SrtpResult r = map(trial.reverseTransformPacket(p));
        if (r == SrtpResult.OK) {
          rxRtcp.put(ssrc, trial);
        }
        return r;
      }
      return map(c.reverseTransformPacket(p));
    } catch (GeneralSecurityException | RuntimeException e) {
      return SrtpResult.INVALID;
    }
  }

  private static int ssrc(PacketBuffer p, int at) {
    return SrtpEngine.be32(p.getBuffer(), p.getOffset() + at);
  }

  private static SrtpResult map(SrtpErrorStatus s) {
    return switch (s) {
      case OK -> SrtpResult.OK;
      case AUTH_FAIL -> SrtpResult.AUTH_FAILED;
      case REPLAY_FAIL, REPLAY_OLD -> SrtpResult.REPLAYED;
      default -> SrtpResult.INVALID;
    };
  }

  private boolean closed;

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    txFactory.close();
    rxFactory.close();
    txRtp.clear();
    rxRtp.clear();
    txLast = null;
    rxLast = null;
    txRtcp.clear();
    rxRtcp.clear();
  }
}
