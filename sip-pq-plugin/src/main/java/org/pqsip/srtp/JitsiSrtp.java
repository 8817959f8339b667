package org.pqsip.srtp;

import java.util.logging.Level;
import org.jitsi.srtp.SrtpContextFactory;
import org.jitsi.srtp.SrtpPolicy;
import org.jitsi.utils.logging2.Logger;
import org.jitsi.utils.logging2.LoggerImpl;

/**
 * jitsi-srtp's contexts for our keys: what libjitsi's SRTP transformers take (the libjitsi
 * adapter), and the comparison in {@code ./pq bench srtp}. Our own phones and the gateway use
 * {@link GcmSrtp} and {@link CmSrtp}.
 */
final class JitsiSrtp {
  static {
    // jitsi-srtp picks its AES implementation by benchmarking every provider (11,000 warm-up
    // rounds each, per transformation) when the first context is made: seconds on a busy
    // machine. OpenSSL, the fastest here, is tried first and only verified; if it does not
    // load, the benchmark picks among the others as before.
    org.jitsi.srtp.crypto.Aes.setFactoryClassName("OpenSSL");
  }

  private static final Logger LOG = new LoggerImpl("org.pqsip.srtp", Level.WARNING);

  private JitsiSrtp() {}

  /** The context factory for one direction ({@code sender}: protects with {@code k}), with a copy of the key. */
  static SrtpContextFactory contextFactory(boolean sender, SrtpMasterKey k) {
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
}
