package org.pqsip.bench;

import java.lang.management.ManagementFactory;
import org.jitsi.srtp.SrtpCryptoContext;
import org.pqsip.crypto.Secret;
import org.pqsip.srtp.PacketBuffer;
import org.pqsip.srtp.SrtpMasterKey;
import org.pqsip.srtp.SrtpStream;
import org.pqsip.srtp.SrtpSuite;

/**
 * {@code ./pq bench srtp}: bytes allocated per packet and packets per second for SRTP protect +
 * unprotect of a 172-byte packet (one thread, after warm-up), per suite, through
 * {@link SrtpStream} (ours: what phones and the gateway use) and, for comparison, through
 * jitsi-srtp's own contexts (what we used before, and what libjitsi still uses). An argument names jitsi-srtp's AES implementation instead of OpenSSL (ours by default):
 * {@code SunJCE} is what runs inside an OSGi framework, where its OpenSSL library does not link.
 */
public final class SrtpAllocationBench {
  private static final int N = 200_000;

  static SrtpMasterKey key(SrtpSuite s, int seed) {
    byte[] k = new byte[s.keyLength()];
    byte[] salt = new byte[s.saltLength()];
    java.util.Arrays.fill(k, (byte) seed);
    java.util.Arrays.fill(salt, (byte) (seed + 1));
    return new SrtpMasterKey(s, Secret.adopt(k), Secret.adopt(salt));
  }

  interface Pair {
    void run(PacketBuffer p) throws Exception;
  }

  public static void main(String[] a) throws Exception {
    if (a.length > 0) {
      Class.forName("org.pqsip.srtp.JitsiSrtp"); // its static init picks OpenSSL: choose after it
      org.jitsi.srtp.crypto.Aes.setFactoryClassName(a[0]);
      System.out.println("jitsi-srtp's AES implementation asked for: " + a[0]);
    }
    for (SrtpSuite s : SrtpSuite.values()) {
      SrtpStream tx = new SrtpStream(key(s, 1), key(s, 2));
      SrtpStream rx = new SrtpStream(key(s, 2), key(s, 1));
      measure(s + " ours (SrtpStream)", p -> {
        tx.protectRtp(p);
        rx.unprotectRtp(p);
      });
      SrtpCryptoContext jtx = SrtpStream.contextFactory(true, key(s, 1)).deriveContext(0x12345678, 0);
      SrtpCryptoContext jrx = SrtpStream.contextFactory(false, key(s, 1)).deriveContext(0x12345678, 0);
      measure(s + " jitsi-srtp contexts", p -> {
        jtx.transformPacket(p);
        jrx.reverseTransformPacket(p, false);
      });
    }
  }

  private static void measure(String what, Pair pair) throws Exception {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    PacketBuffer p = new PacketBuffer();
    byte[] rtp = new byte[172];
    rtp[0] = (byte) 0x80;
    rtp[8] = 0x12;
    rtp[9] = 0x34;
    rtp[10] = 0x56;
    rtp[11] = 0x78;
    for (int round = 0; round < 2; round++) {
      long t0 = System.nanoTime();
      long b0 = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
      for (int i = 0; i < N; i++) {
        int seq = round * N + i;
        rtp[2] = (byte) (seq >> 8);
        rtp[3] = (byte) seq;
        p.set(rtp, 0, rtp.length);
        pair.run(p);
      }
      long b1 = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
      long t1 = System.nanoTime();
      if (round == 1) {
        System.out.printf("%s: %.1f bytes allocated per packet (protect+unprotect), %.2f M packets/s%n",
            what, (b1 - b0) / (double) N, N / ((t1 - t0) / 1e3));
      }
    }
  }
}
