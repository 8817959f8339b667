package org.pqsip.media;

import java.util.Optional;
import org.pqsip.srtp.SrtpStream;

/**
 * A call's media once its SDP is agreed, as the user agent drives it: a phone's
 * {@link MediaSession} (plays a source, records what it hears) or a trunk gateway's bridge leg
 * (re-protects what it hears onto the other leg). It owns its transport and its keys.
 */
public interface CallMedia extends AutoCloseable {
  /** Starts sending and receiving; call once. */
  void start();

  /** New keys after a re-INVITE (see {@link LegKeys#rekey}); {@code reveal}: ours to send, or null. */
  void rekey(SrtpStream next, byte[] reveal, boolean deferTx);

  /** The answerer's pending keys were never confirmed: forget them. */
  void abandonRekey();

  MediaStats stats();

  /** System.nanoTime() of the first RTP packet that opened, or empty. */
  Optional<Long> firstPacketNanos();

  /** Run once, on the receive thread, when the first RTP packet opens. */
  void onFirstPacket(Runnable r);

  /** Stops, closes the transport, wipes the keys; never throws. */
  @Override
  void close();

  /** Makes the media of one call. */
  interface Factory {
    /**
     * @param call the user agent's call number
     * @param srtp the first keys, or null for plain RTP
     * @param reveal the pqkem reveal to send (offerer), or null
     * @param reveals told of pqkem reveals found in what is received (answerer)
     */
    CallMedia create(int call, MediaTransport transport, AudioCodec codec, SrtpStream srtp, byte[] reveal,
        java.util.function.Consumer<byte[]> reveals) throws java.io.IOException;
  }
}
