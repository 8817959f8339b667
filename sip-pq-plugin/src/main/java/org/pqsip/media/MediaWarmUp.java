package org.pqsip.media;

import java.security.SecureRandom;
import java.util.Arrays;
import org.pqsip.crypto.Secret;
import org.pqsip.srtp.PacketBuffer;
import org.pqsip.srtp.SrtpMasterKey;
import org.pqsip.srtp.SrtpStream;
import org.pqsip.srtp.SrtpSuite;

/**
 * The first SRTP packet of a fresh JVM cost 260-390 ms (timed once with temporary prints; provider look-up, cipher and class
 * set-up), paid by the first call as that much silence after its path was chosen
 * ({@code ./pq bench ice}: first media ~450 ms after checks started where the path took
 * ~55 ms). The phone pays it at start instead, on a thread of its own: every suite protects and
 * unprotects a few packets under throw-away keys.
 */
public final class MediaWarmUp {
  private MediaWarmUp() {}

  /** Starts the warm-up on a daemon thread and returns at once. */
  public static void start() {
    Thread t = new Thread(() -> run(), "pqsip-media-warmup");
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    t.start();
  }

  /** Runs the warm-up; returns how many packets went through protect and unprotect intact. */
  static int run() {
    int ok = 0;
    SecureRandom random = new SecureRandom();
    PacketBuffer p = new PacketBuffer();
    byte[] frame = new byte[AudioCodec.FRAME_SAMPLES];
    for (SrtpSuite suite : SrtpSuite.values()) {
      byte[] k = new byte[suite.keyLength()];
      byte[] s = new byte[suite.saltLength()];
      random.nextBytes(k);
      random.nextBytes(s);
      // One key both ways (two copies: each stream owns and wipes its own), so our packets authenticate.
      try (SrtpStream stream = new SrtpStream(key(suite, k, s), key(suite, k, s))) {
        for (int seq = 1; seq <= 20; seq++) {
          byte[] b = p.getBuffer();
          Rtp.writeHeader(b, AudioCodec.PCMU.payloadType(), seq, seq * (long) frame.length, 1, false);
          System.arraycopy(frame, 0, b, Rtp.HEADER, frame.length);
          p.setOffset(0);
          p.setLength(Rtp.HEADER + frame.length);
          if (stream.protectRtp(p) == org.pqsip.srtp.SrtpResult.OK && stream.unprotectRtp(p) == org.pqsip.srtp.SrtpResult.OK
              && p.getLength() == Rtp.HEADER + frame.length) {
            ok++;
          }
        }
      }
      Arrays.fill(k, (byte) 0);
      Arrays.fill(s, (byte) 0);
    }
    return ok;
  }

  private static SrtpMasterKey key(SrtpSuite suite, byte[] k, byte[] s) {
    return new SrtpMasterKey(suite, Secret.copyOf(k, 0, k.length), Secret.copyOf(s, 0, s.length));
  }
}
