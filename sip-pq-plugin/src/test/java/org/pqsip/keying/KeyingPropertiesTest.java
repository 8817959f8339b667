package org.pqsip.keying;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.pqsip.crypto.KemAlgorithm;
import org.pqsip.sdp.PqKemAttribute;
import org.pqsip.srtp.PacketBuffer;
import org.pqsip.srtp.SrtpMasterKey;
import org.pqsip.srtp.SrtpResult;
import org.pqsip.srtp.SrtpStream;
import org.pqsip.srtp.SrtpSuite;
import org.pqsip.testing.ShakeRandom;

class KeyingPropertiesTest {

  @Provide
  Arbitrary<KemOffer> offers() {
    Arbitrary<KemAlgorithm> alg = Arbitraries.of(KemAlgorithm.values());
    Arbitrary<List<SrtpSuite>> suites =
        Arbitraries.of(SrtpSuite.AEAD_AES_256_GCM, SrtpSuite.AES_256_CM_HMAC_SHA1_80)
            .list().uniqueElements().ofMinSize(1).ofMaxSize(2);
    Arbitrary<String> seeds = Arbitraries.strings().ofMaxLength(8);
    return Combinators.combine(alg, suites, seeds)
        .as((a, s, seed) -> {
          ShakeRandom r = new ShakeRandom(seed);
          byte[] blob = new byte[a.offerBlobLength()];
          byte[] commit = new byte[32];
          r.nextBytes(blob);
          r.nextBytes(commit);
          return new KemOffer(a, blob, DeviceId.random(r), commit, s, java.util.Optional.empty());
        });
  }

  @Property(tries = 200)
  void offerAttributeRoundTrip(@ForAll("offers") KemOffer offer) throws KeyingException {
    String text = PqKemAttribute.formatOffer(offer);
    KemOffer back = PqKemAttribute.selectOffer(List.of(text)).orElseThrow();
    assertThat(back.algorithm()).isEqualTo(offer.algorithm());
    assertThat(back.blob()).isEqualTo(offer.blob());
    assertThat(back.device()).isEqualTo(offer.device());
    assertThat(back.commit()).isEqualTo(offer.commit());
    assertThat(back.srtpSuites()).isEqualTo(offer.srtpSuites());
    assertThat(PqKemAttribute.formatOffer(back)).isEqualTo(text);
  }

  @Property(tries = 200)
  void answerAttributeRoundTrip(
      @ForAll("offers") KemOffer shape, @ForAll @IntRange(min = 0, max = 2) int proofs) throws KeyingException {
    ShakeRandom r = new ShakeRandom(shape.device().text());
    byte[] blob = new byte[shape.algorithm().answerBlobLength()];
    byte[] confirm = new byte[32];
    r.nextBytes(blob);
    r.nextBytes(confirm);
    List<byte[]> ps = new ArrayList<>();
    for (int i = 0; i < proofs; i++) {
      byte[] p = new byte[16];
      r.nextBytes(p);
      ps.add(p);
    }
    KemAnswer a = new KemAnswer(shape.algorithm(), blob, shape.device(), shape.srtpSuites().get(0), confirm, ps, java.util.Optional.empty());
    String text = PqKemAttribute.formatAnswer(a);
    KemAnswer back = PqKemAttribute.selectAnswer(List.of(text)).orElseThrow();
    assertThat(PqKemAttribute.formatAnswer(back)).isEqualTo(text);
    assertThat(back.continuityProofs()).hasSize(proofs);
  }

  @Property(tries = 60)
  void bothSidesAlwaysDeriveIdenticalKeysAndSrtpInteroperates(
      @ForAll String seed,
      @ForAll boolean fipsOnly,
      @ForAll boolean cmFirst,
      @ForAll @IntRange(min = 0, max = 4) int mline,
      @ForAll byte[] payload)
      throws KeyingException {
    ShakeRandom r = new ShakeRandom(seed);
    List<SrtpSuite> suites =
        cmFirst
            ? List.of(SrtpSuite.AES_256_CM_HMAC_SHA1_80, SrtpSuite.AEAD_AES_256_GCM)
            : List.of(SrtpSuite.AEAD_AES_256_GCM, SrtpSuite.AES_256_CM_HMAC_SHA1_80);
    KemAlgorithm kem = fipsOnly ? KemAlgorithm.MLKEM1024 : KemAlgorithm.MLKEM1024_X25519;
    KeyingConfig ca = new KeyingConfig(Policy.REQUIRE, kem, suites, false, false, DeviceId.random(r));
    KeyingConfig cb = KeyingConfig.defaults(Policy.PREFER, DeviceId.random(r));
    KeyingSession a = new KeyingSession(ca, new InMemoryPeerStore(), "b", r);
    KeyingSession b = new KeyingSession(cb, new InMemoryPeerStore(), "a", r);
    AnswerOutcome ans = b.onOffer(a.createOffer());
    PqCall ac = ((KeyingOutcome.Secured) a.onAnswer(ans.answer())).call();
    PqCall bc = ((KeyingOutcome.Secured) ans.outcome()).call();
    bc.acceptReveal(ac.revealMessage());
    assertThat(ac.sas()).isEqualTo(bc.sas());
    assertThat(ac.keySchedule().suite()).isEqualTo(suites.get(0));
    for (Role sender : Role.values()) {
      SrtpMasterKey x = ac.srtpKey(mline, sender);
      SrtpMasterKey y = bc.srtpKey(mline, sender);
      assertThat(x.key()).isEqualTo(y.key());
      assertThat(x.salt()).isEqualTo(y.salt());
    }
    SrtpStream aliceStream = new SrtpStream(ac.srtpKey(mline, Role.OFFERER), ac.srtpKey(mline, Role.ANSWERER));
    SrtpStream bobStream = new SrtpStream(bc.srtpKey(mline, Role.ANSWERER), bc.srtpKey(mline, Role.OFFERER));
    byte[] rtp = new byte[12 + Math.min(payload.length, 1000)];
    rtp[0] = (byte) 0x80;
    System.arraycopy(payload, 0, rtp, 12, rtp.length - 12);
    PacketBuffer buf = new PacketBuffer().set(rtp, 0, rtp.length);
    assertThat(bobStream.protectRtp(buf)).isEqualTo(SrtpResult.OK);
    assertThat(aliceStream.unprotectRtp(buf)).isEqualTo(SrtpResult.OK);
    assertThat(buf.toByteArray()).isEqualTo(rtp);
    assertThat(Optional.of(ac.kem())).contains(kem);
  }
}
