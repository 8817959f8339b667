package org.pqsip.demo;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.pqsip.keying.DeviceId;
import org.pqsip.keying.InMemoryPeerStore;
import org.pqsip.keying.KeyingConfig;
import org.pqsip.keying.KeyingException;
import org.pqsip.keying.PeerStore;
import org.pqsip.keying.Policy;
import org.pqsip.negotiation.CallSecurity;
import org.pqsip.negotiation.MediaKeys;
import org.pqsip.negotiation.SdpNegotiator;
import org.pqsip.sdp.PqKemAttribute;
import org.pqsip.sdp.SdpException;
import org.pqsip.sdp.SessionDescription;
import org.pqsip.srtp.PacketBuffer;
import org.pqsip.srtp.SrtpResult;
import org.pqsip.srtp.SrtpStream;

/**
 * {@code ./pq demo}: two phones, Alice and Bob, negotiate a call in-process through real SDP
 * offer/answer with pqkem, twice, and print what each side would show the user. No network yet.
 */
public final class Demo {
  private Demo() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = System.out;
    SecureRandom random = new SecureRandom();
    Party alice = new Party("alice", KeyingConfig.defaults(Policy.REQUIRE, DeviceId.random(random)));
    Party bob = new Party("bob", KeyingConfig.defaults(Policy.REQUIRE, DeviceId.random(random)));
    out.println("pqsip demo: Alice calls Bob, keys from ML-KEM-1024 + X25519 in the SDP offer/answer");
    for (int call = 1; call <= 2; call++) {
      out.println();
      out.println("call " + call + ":");
      runCall(out, random, alice, bob);
    }
    out.println();
    out.println("Read the SAS aloud on both ends: equal strings mean no one is in between.");
  }

  private record Party(String name, KeyingConfig config, PeerStore store) {
    Party(String name, KeyingConfig config) {
      this(name, config, new InMemoryPeerStore());
    }
  }

  private static void runCall(PrintStream out, SecureRandom random, Party a, Party b)
      throws KeyingException, SdpException {
    long t0 = System.nanoTime();
    try (SdpNegotiator caller = new SdpNegotiator(a.config(), a.store(), "sip:bob@pq.test", random);
        SdpNegotiator callee = new SdpNegotiator(b.config(), b.store(), "sip:alice@pq.test", random)) {
      SessionDescription offer = caller.createOffer(localSdp(40000));
      String offerText = offer.format();
      SdpNegotiator.Answer answer =
          callee.answerOffer(SessionDescription.parse(offerText), localSdp(40002));
      String answerText = answer.sdp().format();
      CallSecurity as = caller.acceptAnswer(SessionDescription.parse(answerText));
      CallSecurity bs = answer.security();
      // The reveal message travels end-to-end (in SRTCP in a real call).
      bs.pqCall().orElseThrow().acceptReveal(as.pqCall().orElseThrow().revealMessage());
      double ms = (System.nanoTime() - t0) / 1e6;
      as.pqCall().get().commitContinuity();
      bs.pqCall().get().commitContinuity();

      out.printf("  offer SDP %,d bytes (a=pqkem %,d), answer SDP %,d bytes (a=pqkem %,d)%n",
          bytes(offerText), bytes(attr(offer)), bytes(answerText), bytes(attr(answer.sdp())));
      show(out, a.name(), as);
      show(out, b.name(), bs);
      out.printf("  media: %s%n  keying CPU for both sides: %.1f ms in-process%s%n", mediaCheck(as, bs), ms,
          ms > 50 ? " (includes JVM warm-up and class loading on the first call)" : "");
      as.destroy();
      bs.destroy();
    }
  }

  private static void show(PrintStream out, String who, CallSecurity s) {
    out.printf("  %-5s security=%s kem=%s srtp=%s sas=%s verification=%s%n",
        who,
        s.security().wireName(),
        s.kem().orElse("-"),
        s.srtp().map(Enum::name).orElse("-"),
        s.sas().orElse("-"),
        s.verification().map(v -> v.wireName()).orElse("pending"));
  }

  private static String mediaCheck(CallSecurity as, CallSecurity bs) {
    MediaKeys ak = as.mediaKeys(0).orElseThrow();
    MediaKeys bk = bs.mediaKeys(0).orElseThrow();
    try (SrtpStream aStream = new SrtpStream(ak.tx(), ak.rx());
        SrtpStream bStream = new SrtpStream(bk.tx(), bk.rx())) {
      byte[] rtp = new byte[172];
      rtp[0] = (byte) 0x80;
      rtp[11] = 1;
      PacketBuffer p = new PacketBuffer().set(rtp, 0, rtp.length);
      SrtpResult sent = aStream.protectRtp(p);
      SrtpResult got = bStream.unprotectRtp(p);
      return "one 172-byte RTP packet Alice->Bob: protect " + sent + ", unprotect " + got;
    }
  }

  private static String attr(SessionDescription sdp) {
    return "a=" + PqKemAttribute.NAME + ":" + sdp.attributeValues(PqKemAttribute.NAME).get(0);
  }

  private static int bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  static SessionDescription localSdp(int port) throws SdpException {
    return SessionDescription.parse(
        "v=0\r\n"
            + "o=- 1 1 IN IP4 127.0.0.1\r\n"
            + "s=-\r\n"
            + "c=IN IP4 127.0.0.1\r\n"
            + "t=0 0\r\n"
            + "m=audio " + port + " RTP/AVP 0 8\r\n"
            + "a=rtpmap:0 PCMU/8000\r\n"
            + "a=rtpmap:8 PCMA/8000\r\n"
            + "a=ptime:20\r\n");
  }
}
