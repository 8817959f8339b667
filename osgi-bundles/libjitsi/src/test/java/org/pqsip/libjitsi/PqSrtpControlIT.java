package org.pqsip.libjitsi;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jitsi.impl.neomedia.transform.PacketTransformer;
import org.jitsi.service.libjitsi.LibJitsi;
import org.jitsi.service.neomedia.DefaultStreamConnector;
import org.jitsi.service.neomedia.MediaDirection;
import org.jitsi.service.neomedia.MediaStream;
import org.jitsi.service.neomedia.MediaStreamTarget;
import org.jitsi.service.neomedia.RawPacket;
import org.jitsi.service.neomedia.SrtpControl;
import org.jitsi.service.neomedia.SrtpControlType;
import org.jitsi.service.neomedia.event.SrtpListener;
import org.jitsi.utils.MediaType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.pqsip.crypto.KemAlgorithm;
import org.pqsip.keying.DeviceId;
import org.pqsip.keying.InMemoryPeerStore;
import org.pqsip.keying.KeyingConfig;
import org.pqsip.keying.PqCall;
import org.pqsip.keying.Policy;
import org.pqsip.media.Rtcp;
import org.pqsip.media.Rtp;
import org.pqsip.negotiation.CallSecurity;
import org.pqsip.negotiation.MediaKeys;
import org.pqsip.negotiation.SdpNegotiator;
import org.pqsip.sdp.SessionDescription;
import org.pqsip.srtp.PacketBuffer;
import org.pqsip.srtp.RtcpReveal;
import org.pqsip.srtp.SrtpResult;
import org.pqsip.srtp.SrtpStream;
import org.pqsip.srtp.SrtpSuite;

/**
 * libjitsi's real MediaStream with {@link PqSrtpControl}, headless, against our phone's SRTP
 * ({@link SrtpStream}) over loopback sockets: keys from a real pqkem offer/answer, packets
 * protected by one and opened by the other, both ways, both 256-bit suites, and the reveal and SAS
 * in SRTCP whichever side offers.
 */
class PqSrtpControlIT {
  private static final int TIMEOUT_MS = 10_000;
  private static final InetAddress LO = InetAddress.getLoopbackAddress();
  private final SecureRandom random = new SecureRandom();

  private DatagramSocket jitsiRtp;
  private DatagramSocket jitsiRtcp;
  private DatagramSocket ourRtp;
  private DatagramSocket ourRtcp;
  private MediaStream stream;

  @BeforeAll
  static void startLibJitsi() {
    // Without these libjitsi looks for PulseAudio and the JVM dies on a missing symbol.
    System.setProperty("net.java.sip.communicator.service.media.DISABLE_AUDIO_SUPPORT", "true");
    System.setProperty("net.java.sip.communicator.service.media.DISABLE_VIDEO_SUPPORT", "true");
    LibJitsi.start();
  }

  @AfterAll
  static void stopLibJitsi() {
    LibJitsi.stop();
  }

  @AfterEach
  void close() {
    if (stream != null) {
      stream.stop();
      stream.close();
    }
    for (DatagramSocket s : new DatagramSocket[] {jitsiRtp, jitsiRtcp, ourRtp, ourRtcp}) {
      if (s != null) {
        s.close();
      }
    }
  }

  /** The two ends of one pqkem call, keyed with {@code suite} only: [offerer, answerer]. */
  private CallSecurity[] exchange(SrtpSuite suite) throws Exception {
    SdpNegotiator offerer = negotiator(suite);
    SdpNegotiator answerer = negotiator(suite);
    SessionDescription offer = SessionDescription.parse(offerer.createOffer(local(4000)).format());
    SdpNegotiator.Answer answer = answerer.answerOffer(offer, local(4002));
    CallSecurity o = offerer.acceptAnswer(SessionDescription.parse(answer.sdp().format()));
    assertThat(o.srtp()).contains(suite);
    return new CallSecurity[] {o, answer.security()};
  }

  private SdpNegotiator negotiator(SrtpSuite suite) {
    KeyingConfig c = new KeyingConfig(Policy.REQUIRE, KemAlgorithm.MLKEM1024_X25519, List.of(suite), false, false,
        DeviceId.random(random));
    return new SdpNegotiator(c, new InMemoryPeerStore(), "sip:peer@pq.test", random);
  }

  private static SessionDescription local(int port) throws Exception {
    return SessionDescription.parse("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        + "m=audio " + port + " RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n");
  }

  /**
   * A libjitsi audio stream with the control, sending to our sockets. (Headless, FMJ starts no
   * reader on the RTP socket: packets we send are handed to the stream's own transform chain,
   * which that reader would run them through.)
   */
  private void startJitsi(PqSrtpControl control) throws Exception {
    jitsiRtp = new DatagramSocket(0, LO);
    jitsiRtcp = new DatagramSocket(0, LO);
    ourRtp = new DatagramSocket(0, LO);
    ourRtcp = new DatagramSocket(0, LO);
    ourRtp.setSoTimeout(TIMEOUT_MS);
    ourRtcp.setSoTimeout(TIMEOUT_MS);
    var media = LibJitsi.getMediaService();
    stream = media.createMediaStream(new DefaultStreamConnector(jitsiRtp, jitsiRtcp), MediaType.AUDIO, control);
    stream.setFormat(media.getFormatFactory().createMediaFormat("PCMU", 8000));
    stream.setDirection(MediaDirection.SENDRECV);
    stream.setTarget(new MediaStreamTarget(
        new InetSocketAddress(LO, ourRtp.getLocalPort()), new InetSocketAddress(LO, ourRtcp.getLocalPort())));
    stream.start();
  }

  /** Jitsi's SSRC and ours: libjitsi's SRTPTransformer keeps one context per SSRC for both directions. */
  private static final int JITSI_SSRC = 0x1234_5678;
  private static final int OUR_SSRC = 0x0bad_cafe;

  /**
   * The stream's transform chain, as its socket reader runs it on every received packet (in
   * reverse): libjitsi's engines with the control's SRTP among them.
   */
  private org.jitsi.impl.neomedia.transform.TransformEngineChain receiveChain() {
    return ((org.jitsi.impl.neomedia.MediaStreamImpl) stream).getTransformEngineChain();
  }

  private static byte[] rtpPacket(int ssrc, int seq, byte fill) {
    byte[] b = new byte[12 + 160];
    Rtp.writeHeader(b, 0, seq, seq * 160L, ssrc, false);
    Arrays.fill(b, 12, b.length, fill);
    return b;
  }

  /** Records what the control tells a Jitsi UI. */
  static final class Listener implements SrtpListener {
    final CompletableFuture<String> securityOn = new CompletableFuture<>();
    final LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();

    @Override
    public void securityTurnedOn(MediaType type, String securityString, SrtpControl control) {
      securityOn.complete(securityString);
    }

    @Override
    public void securityTurnedOff(MediaType type) {}

    @Override
    public void securityMessageReceived(String message, String i18nMessage, int severity) {
      messages.add(severity + " " + message);
    }

    @Override
    public void securityTimeout(MediaType type) {}

    @Override
    public void securityNegotiationStarted(MediaType type, SrtpControl control) {}
  }

  private byte[] receive(DatagramSocket s) throws Exception {
    DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
    s.receive(p);
    return Arrays.copyOf(p.getData(), p.getLength());
  }

  @ParameterizedTest
  @EnumSource(value = SrtpSuite.class, names = {"AEAD_AES_256_GCM", "AES_256_CM_HMAC_SHA1_80"})
  void ourPhoneOffers_jitsiAnswers_mediaBothWays_andTheSasComesWithTheRevealInSrtcp(SrtpSuite suite) throws Throwable {
    CallSecurity[] call = exchange(suite);
    CallSecurity ours = call[0];
    MediaKeys ourKeys = ours.mediaKeys(0).orElseThrow();
    PqSrtpControl control = new PqSrtpControl();
    Listener listener = new Listener();
    control.setSrtpListener(listener);
    control.setSecurity(call[1], 0);
    assertThat(control.getSrtpControlType()).isEqualTo(SrtpControlType.MIKEY);
    assertThat(control.sas()).as("the answerer knows the SAS only from the reveal").isEmpty();
    startJitsi(control);

    try (SrtpStream srtp = new SrtpStream(ourKeys.tx(), ourKeys.rx())) {
      // libjitsi protects, we open
      byte[] sent = rtpPacket(JITSI_SSRC, 1, (byte) 0x5a);
      stream.injectPacket(new RawPacket(sent.clone(), 0, sent.length), true, null);
      byte[] wire = receive(ourRtp);
      PacketBuffer in = new PacketBuffer().set(wire, 0, wire.length);
      assertThat(wire.length).isEqualTo(sent.length + suite.tagLength());
      assertThat(Arrays.copyOfRange(wire, 12, sent.length)).as("ciphertext on the wire").isNotEqualTo(
          Arrays.copyOfRange(sent, 12, sent.length));
      assertThat(srtp.unprotectRtp(in)).isEqualTo(SrtpResult.OK);
      assertThat(in.toByteArray()).isEqualTo(sent);

      // we protect, the stream's own receive chain (libjitsi's engines, SRTP among them) opens
      byte[] ours1 = rtpPacket(OUR_SSRC, 7, (byte) 0x21);
      PacketBuffer out = new PacketBuffer().set(ours1, 0, ours1.length);
      assertThat(srtp.protectRtp(out)).isEqualTo(SrtpResult.OK);
      RawPacket[] opened = receiveChain().getRTPTransformer()
          .reverseTransform(new RawPacket[] {new RawPacket(out.toByteArray(), 0, out.getLength())});
      assertThat(opened[0]).as("libjitsi decrypted our packet").isNotNull();
      assertThat(Arrays.copyOfRange(opened[0].getBuffer(), opened[0].getOffset(), opened[0].getOffset() + opened[0].getLength()))
          .isEqualTo(ours1);

      // our RTCP with the reveal: libjitsi's SRTCP opens it, the control takes the reveal
      byte[] rtcp = new byte[256];
      int len = Rtcp.writeCompound(rtcp, OUR_SSRC, 1L << 32, 160, 1, 160, "cname-x".getBytes(),
          ours.pqCall().orElseThrow().revealMessage());
      PacketBuffer r = new PacketBuffer().set(rtcp, 0, len);
      assertThat(srtp.protectRtcp(r)).isEqualTo(SrtpResult.OK);
      receiveChain().getRTCPTransformer()
          .reverseTransform(new RawPacket[] {new RawPacket(r.toByteArray(), 0, r.getLength())});
      String sas = listener.securityOn.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
      assertThat(sas).isEqualTo(ours.sas().orElseThrow());
      assertThat(control.sas()).contains(sas);
      assertThat(control.verification().orElseThrow().wireName()).isEqualTo("new-peer");
      assertThat(listener.messages.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS)).contains("SAS " + sas, "new-peer");
    }
  }

  @ParameterizedTest
  @EnumSource(value = SrtpSuite.class, names = {"AEAD_AES_256_GCM", "AES_256_CM_HMAC_SHA1_80"})
  void jitsiOffers_ourPhoneAnswers_theRevealLeavesInLibjitsisSrtcp(SrtpSuite suite) throws Throwable {
    CallSecurity[] call = exchange(suite);
    CallSecurity ours = call[1];
    MediaKeys ourKeys = ours.mediaKeys(0).orElseThrow();
    PqSrtpControl control = new PqSrtpControl();
    Listener listener = new Listener();
    control.setSrtpListener(listener);
    control.setSecurity(call[0], 0);
    assertThat(listener.securityOn.get(TIMEOUT_MS, TimeUnit.MILLISECONDS)).as("the offerer knows the SAS at once")
        .isEqualTo(call[0].sas().orElseThrow());
    startJitsi(control);

    try (SrtpStream srtp = new SrtpStream(ourKeys.tx(), ourKeys.rx())) {
      byte[] rtcp = new byte[256];
      int len = Rtcp.writeCompound(rtcp, JITSI_SSRC, 1L << 32, 160, 1, 160, "jitsi".getBytes(), null);
      stream.injectPacket(new RawPacket(rtcp, 0, len), false, null);
      byte[] wire = receive(ourRtcp);
      PacketBuffer in = new PacketBuffer().set(wire, 0, wire.length);
      assertThat(srtp.unprotectRtcp(in)).isEqualTo(SrtpResult.OK);
      Optional<byte[]> reveal = RtcpReveal.find(in.getBuffer(), in.getOffset(), in.getLength(), PqCall.REVEAL_LENGTH);
      assertThat(reveal).as("libjitsi's RTCP carried the reveal").isPresent();
      ours.pqCall().orElseThrow().acceptReveal(reveal.get());
      assertThat(ours.sas()).isEqualTo(control.sas()).isPresent();
    }
  }

  @Test
  void beforeItsKeysTheControlLetsNothingThrough_andATamperedPacketIsDropped() throws Exception {
    PqSrtpControl control = new PqSrtpControl();
    control.registerUser(this);
    PacketTransformer rtp = control.getTransformEngine().getRTPTransformer();
    byte[] plain = rtpPacket(OUR_SSRC, 1, (byte) 1);
    assertThat(rtp.transform(new RawPacket[] {new RawPacket(plain, 0, plain.length)})).containsOnlyNulls();
    assertThat(control.getSecureCommunicationStatus()).isFalse();

    CallSecurity[] call = exchange(SrtpSuite.AEAD_AES_256_GCM);
    control.setSecurity(call[1], 0);
    assertThat(control.getSecureCommunicationStatus()).isTrue();
    MediaKeys ourKeys = call[0].mediaKeys(0).orElseThrow();
    try (SrtpStream srtp = new SrtpStream(ourKeys.tx(), ourKeys.rx())) {
      PacketBuffer out = new PacketBuffer().set(plain.clone(), 0, plain.length);
      srtp.protectRtp(out);
      byte[] tampered = out.toByteArray();
      tampered[20] ^= 1;
      assertThat(rtp.reverseTransform(new RawPacket[] {new RawPacket(tampered, 0, tampered.length)})).containsOnlyNulls();
      byte[] good = out.toByteArray();
      assertThat(rtp.reverseTransform(new RawPacket[] {new RawPacket(good, 0, good.length)})).doesNotContainNull();
    }
    control.cleanup(this);
    assertThat(rtp.transform(new RawPacket[] {new RawPacket(plain, 0, plain.length)})).containsOnlyNulls();
  }
}
