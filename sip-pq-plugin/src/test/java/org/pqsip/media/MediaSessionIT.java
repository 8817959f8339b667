package org.pqsip.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.pqsip.crypto.Secret;
import org.pqsip.srtp.SrtpMasterKey;
import org.pqsip.srtp.SrtpStream;
import org.pqsip.srtp.SrtpSuite;

/** Two media sessions over real UDP sockets on loopback. */
class MediaSessionIT {
  static SrtpMasterKey key(int seed) {
    byte[] k = new byte[32];
    byte[] s = new byte[12];
    java.util.Arrays.fill(k, (byte) seed);
    java.util.Arrays.fill(s, (byte) (seed + 1));
    return new SrtpMasterKey(SrtpSuite.AEAD_AES_256_GCM, Secret.adopt(k), Secret.adopt(s));
  }

  @Test
  void revealTravelsInSrtcpAndAudioFlows() throws Exception {
    InetAddress lo = InetAddress.getLoopbackAddress();
    UdpMediaTransport ta = UdpMediaTransport.bind(lo, 43000, 43100);
    UdpMediaTransport tb = UdpMediaTransport.bind(lo, 43200, 43300);
    ta.setRemote(tb.localRtp(), new InetSocketAddress(lo, tb.localRtp().getPort() + 1));
    tb.setRemote(ta.localRtp(), new InetSocketAddress(lo, ta.localRtp().getPort() + 1));
    byte[] reveal = new byte[org.pqsip.keying.PqCall.REVEAL_LENGTH];
    reveal[0] = 1;
    reveal[81] = 42;
    CompletableFuture<byte[]> got = new CompletableFuture<>();
    SecureRandom r = new SecureRandom();
    try (MediaSession a = new MediaSession(ta, AudioCodec.PCMU, new ToneSource(440), new SrtpStream(key(1), key(2)), reveal, x -> {}, null, r);
        MediaSession b = new MediaSession(tb, AudioCodec.PCMU, new ToneSource(440), new SrtpStream(key(2), key(1)), null, got::complete, null, r)) {
      a.start();
      b.start();
      assertThat(got.get(5, TimeUnit.SECONDS)).isEqualTo(reveal);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (b.stats().packetsReceived() < 10 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(b.stats().packetsReceived()).isGreaterThanOrEqualTo(10);
      assertThat(b.stats().authFailures()).isZero();
    }
  }

  @Test
  void datagramsFromAnywhereButTheNegotiatedPeerNeverReachTheSession() throws Exception {
    InetAddress lo = InetAddress.getLoopbackAddress();
    UdpMediaTransport t = UdpMediaTransport.bind(lo, 43400, 43500);
    try (java.net.DatagramSocket peer = new java.net.DatagramSocket(0, lo);
        java.net.DatagramSocket stranger = new java.net.DatagramSocket(0, lo)) {
      java.util.concurrent.BlockingQueue<Integer> got = new java.util.concurrent.LinkedBlockingQueue<>();
      t.start((p, rtcp) -> got.add(p.getLength()));
      byte[] spoof = new byte[40];
      // Before the peer is known nothing passes (dropped and counted here)...
      stranger.send(new java.net.DatagramPacket(spoof, spoof.length, t.localRtp()));
      t.setRemote((InetSocketAddress) peer.getLocalSocketAddress(), (InetSocketAddress) peer.getLocalSocketAddress());
      // ...after, the socket is connected to the peer and the kernel drops everything else.
      for (int i = 0; i < 5; i++) {
        stranger.send(new java.net.DatagramPacket(spoof, spoof.length, t.localRtp()));
      }
      byte[] real = new byte[60];
      peer.send(new java.net.DatagramPacket(real, real.length, t.localRtp()));
      assertThat(got.poll(5, TimeUnit.SECONDS)).isEqualTo(60); // the peer's datagram only
      assertThat(got).isEmpty();
      assertThat(t.droppedFromOtherSources()).isLessThanOrEqualTo(1); // the first, if read before the connect
    } finally {
      t.close();
    }
  }
}
