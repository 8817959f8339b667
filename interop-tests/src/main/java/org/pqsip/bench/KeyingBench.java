package org.pqsip.bench;

import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.SecretWithEncapsulation;
import org.bouncycastle.crypto.agreement.X25519Agreement;
import org.bouncycastle.crypto.generators.MLKEMKeyPairGenerator;
import org.bouncycastle.crypto.kems.MLKEMExtractor;
import org.bouncycastle.crypto.kems.MLKEMGenerator;
import org.bouncycastle.crypto.params.MLKEMKeyGenerationParameters;
import org.bouncycastle.crypto.params.MLKEMParameters;
import org.bouncycastle.crypto.params.MLKEMPrivateKeyParameters;
import org.bouncycastle.crypto.params.MLKEMPublicKeyParameters;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PublicKeyParameters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;
import org.pqsip.keying.AnswerOutcome;
import org.pqsip.keying.DeviceId;
import org.pqsip.keying.InMemoryPeerStore;
import org.pqsip.keying.KeyingConfig;
import org.pqsip.keying.KeyingOutcome;
import org.pqsip.keying.KeyingSession;
import org.pqsip.keying.PqCall;
import org.pqsip.keying.Policy;
import org.pqsip.keying.Role;
import org.pqsip.negotiation.CallSecurity;
import org.pqsip.negotiation.SdpNegotiator;
import org.pqsip.sdp.PqKemAttribute;
import org.pqsip.sdp.SessionDescription;

/**
 * Cost of one complete pqkem exchange for both sides, against the raw Bouncy Castle primitives
 * it cannot avoid (ML-KEM-1024 keygen + encaps + decaps, two X25519 key pairs and two
 * agreements), measured in the same run. Run with {@code ./pq bench keying}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class KeyingBench {
  private SecureRandom random;
  private KeyingConfig alice;
  private KeyingConfig bob;
  private SessionDescription aliceSdp;
  private SessionDescription bobSdp;
  private SessionDescription offerSdp;
  private SessionDescription answerSdp;

  @Setup
  public void setup() throws Exception {
    random = new SecureRandom();
    alice = KeyingConfig.defaults(Policy.REQUIRE, DeviceId.random(random));
    bob = KeyingConfig.defaults(Policy.REQUIRE, DeviceId.random(random));
    aliceSdp = sdp(40000);
    bobSdp = sdp(40002);
    SdpNegotiator a = new SdpNegotiator(alice, new InMemoryPeerStore(), "sip:bob@pq.test", random);
    SdpNegotiator b = new SdpNegotiator(bob, new InMemoryPeerStore(), "sip:alice@pq.test", random);
    offerSdp = a.createOffer(aliceSdp);
    answerSdp = b.answerOffer(offerSdp, bobSdp).sdp();
  }

  /**
   * The floor: what any ML-KEM-1024 + X25519 exchange over a wire has to compute. Keys travel as
   * bytes, so the answerer decodes the offerer's encapsulation key and X25519 point, and each
   * side decodes the other's X25519 point, as a real peer must.
   */
  @Benchmark
  public void rawPrimitives(Blackhole bh) {
    // Offerer: key pairs, encoded for the wire.
    MLKEMKeyPairGenerator gen = new MLKEMKeyPairGenerator();
    gen.init(new MLKEMKeyGenerationParameters(random, MLKEMParameters.ml_kem_1024));
    AsymmetricCipherKeyPair kp = gen.generateKeyPair();
    byte[] ek = ((MLKEMPublicKeyParameters) kp.getPublic()).getEncoded();
    X25519PrivateKeyParameters x1 = new X25519PrivateKeyParameters(random);
    byte[] pk1 = x1.generatePublicKey().getEncoded();
    // Answerer: encapsulate to the received key, its own X25519 key, agreement.
    SecretWithEncapsulation enc =
        new MLKEMGenerator(random)
            .generateEncapsulated(new MLKEMPublicKeyParameters(MLKEMParameters.ml_kem_1024, ek));
    X25519PrivateKeyParameters x2 = new X25519PrivateKeyParameters(random);
    byte[] pk2 = x2.generatePublicKey().getEncoded();
    byte[] k2 = new byte[32];
    X25519Agreement b = new X25519Agreement();
    b.init(x2);
    b.calculateAgreement(new X25519PublicKeyParameters(pk1), k2, 0);
    // Offerer: decapsulate and agree.
    byte[] ss = new MLKEMExtractor((MLKEMPrivateKeyParameters) kp.getPrivate())
        .extractSecret(enc.getEncapsulation());
    byte[] k1 = new byte[32];
    X25519Agreement a = new X25519Agreement();
    a.init(x1);
    a.calculateAgreement(new X25519PublicKeyParameters(pk2), k1, 0);
    bh.consume(ss);
    bh.consume(enc.getSecret());
    bh.consume(k1);
    bh.consume(k2);
  }

  /** Our keying core: offer, answer, confirm, reveal, SAS, SRTP keys of m-line 0 both ways. */
  @Benchmark
  public void fullExchange(Blackhole bh) throws Exception {
    try (KeyingSession a = new KeyingSession(alice, new InMemoryPeerStore(), "sip:bob@pq.test", random);
        KeyingSession b = new KeyingSession(bob, new InMemoryPeerStore(), "sip:alice@pq.test", random)) {
      AnswerOutcome ans = b.onOffer(a.createOffer());
      PqCall ac = ((KeyingOutcome.Secured) a.onAnswer(ans.answer())).call();
      PqCall bc = ((KeyingOutcome.Secured) ans.outcome()).call();
      bc.acceptReveal(ac.revealMessage());
      bh.consume(ac.srtpKey(0, Role.OFFERER));
      bh.consume(ac.srtpKey(0, Role.ANSWERER));
      bh.consume(bc.srtpKey(0, Role.OFFERER));
      bh.consume(bc.srtpKey(0, Role.ANSWERER));
      bh.consume(ac.sas());
      bh.consume(bc.sas());
      ac.destroy();
      bc.destroy();
    }
  }

  /** As {@link #fullExchange} plus SDP formatting and parsing of both bodies. */
  @Benchmark
  public void fullExchangeWithSdp(Blackhole bh) throws Exception {
    try (SdpNegotiator a = new SdpNegotiator(alice, new InMemoryPeerStore(), "sip:bob@pq.test", random);
        SdpNegotiator b = new SdpNegotiator(bob, new InMemoryPeerStore(), "sip:alice@pq.test", random)) {
      String offer = a.createOffer(aliceSdp).format();
      SdpNegotiator.Answer answer = b.answerOffer(SessionDescription.parse(offer), bobSdp);
      CallSecurity as = a.acceptAnswer(SessionDescription.parse(answer.sdp().format()));
      CallSecurity bs = answer.security();
      bs.pqCall().orElseThrow().acceptReveal(as.pqCall().orElseThrow().revealMessage());
      bh.consume(as.mediaKeys(0));
      bh.consume(bs.mediaKeys(0));
      as.destroy();
      bs.destroy();
    }
  }

  /**
   * The SDP part alone, on bodies made once in setup: format the offer, parse it, decode its
   * a=pqkem; the same for the answer. What {@link #fullExchangeWithSdp} adds to {@link
   * #fullExchange}, without the key exchange.
   */
  @Benchmark
  public void sdpCodecOnly(Blackhole bh) throws Exception {
    SessionDescription offer = SessionDescription.parse(offerSdp.format());
    bh.consume(PqKemAttribute.selectOffer(offer.attributeValues(PqKemAttribute.NAME)));
    SessionDescription answer = SessionDescription.parse(answerSdp.format());
    bh.consume(PqKemAttribute.selectAnswer(answer.attributeValues(PqKemAttribute.NAME)));
  }

  static SessionDescription sdp(int port) throws Exception {
    return SessionDescription.parse(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            + "m=audio " + port + " RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n");
  }

}
