package org.pqsip.keying;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.pqsip.crypto.KemAlgorithm;
import org.pqsip.crypto.Secret;
import org.pqsip.srtp.SrtpSuite;
import org.pqsip.testing.Hex;
import org.pqsip.testing.ShakeRandom;

/**
 * Known answers for our own constructions: the same values are printed in docs/PROTOCOL.md
 * Appendix A, so another implementation can check its transcript, key schedule and SAS.
 */
class KeyScheduleVectorTest {
  static byte[] fill(int n, int mul, int add) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) ((i * mul + add) % 251);
    }
    return b;
  }

  static byte[] constant(int n, int v) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) v);
    return b;
  }

  static final byte[] NONCE = constant(32, 0x11);

  static KemOffer vectorOffer() throws KeyingException {
    return KemOffer.of(
        KemAlgorithm.MLKEM1024_X25519,
        fill(1600, 1, 0),
        DeviceId.of(constant(16, 0x01)),
        PendingOffer.commitment(NONCE),
        List.of(SrtpSuite.AEAD_AES_256_GCM, SrtpSuite.AES_256_CM_HMAC_SHA1_80));
  }

  static byte[] vectorTranscript() throws KeyingException {
    return Transcript.hash(
        vectorOffer(), fill(1600, 3, 7), DeviceId.of(constant(16, 0x02)), SrtpSuite.AEAD_AES_256_GCM,
        java.util.Optional.empty());
  }

  static KeySchedule vectorSchedule() throws KeyingException {
    return KeySchedule.derive(Secret.adopt(fill(128, 1, 0)), vectorTranscript(), SrtpSuite.AEAD_AES_256_GCM);
  }

  @Test
  void a1Commitment() {
    assertThat(Hex.of(PendingOffer.commitment(NONCE)))
        .isEqualTo("b600f002a5ed5ea36c76a22c0e026db5ea2d40176a293328ef09d1bcfa37504f");
  }

  @Test
  void a2Transcript() throws KeyingException {
    assertThat(Hex.of(vectorTranscript()))
        .isEqualTo("82735147075bccacd7e1ad7953d4461a1ef194c5a0f09a232aae1941d368bbd6"
            + "a1b70957b7459c88e6412784ecb95756");
  }

  @Test
  void a3KeySchedule() throws KeyingException {
    KeySchedule ks = vectorSchedule();
    assertThat(Hex.of(ks.prkForTest().exposeSecretBytes()))
        .isEqualTo("a62ed516bc341aadab155ec8a8310ed0f8e6f73ec656edba9ab7eab5ba71309e"
            + "8d1da3b9e0468e8d1d0739e91b2f46bb");
    assertThat(Hex.of(ks.answerConfirmation())).isEqualTo("ea9b21407099ad436f7c677f18a8aa8272b5892e3090244e92c4cd527765a35d");
    assertThat(Sas.render(ks.sasHash(NONCE))).isEqualTo("4s1i");
    assertThat(Hex.of(ks.nextRetainedSecret().exposeSecretBytes())).isEqualTo("83ad62fbac3a35936cefa33691c68c0215f3f028a2e05459050a9c6c2defeacf");
    assertThat(Hex.of(ks.srtpKey(0, Role.OFFERER).key().exposeSecretBytes())).isEqualTo("04b0908dd4804291027e6c7c330805fbf83e18ece66d1c8e9041fd978e10aee8");
    assertThat(Hex.of(ks.srtpKey(0, Role.OFFERER).salt().exposeSecretBytes())).isEqualTo("93990675815d0498dcec0d27");
    assertThat(Hex.of(ks.srtpKey(0, Role.ANSWERER).key().exposeSecretBytes())).isEqualTo("85c27f8009ef64099988fa35e820e6e3a719d9dbc1e293f206010dd2ce3ae39a");
    assertThat(Hex.of(ks.srtpKey(0, Role.ANSWERER).salt().exposeSecretBytes())).isEqualTo("5d2a5437a68d7560e77640d5");
    assertThat(Hex.of(ks.srtpKey(1, Role.OFFERER).key().exposeSecretBytes())).isEqualTo("c90b37b7cdbc8299ee31148da2c3ec3223ded0a3fa2f8405663369515435d1d2");
    assertThat(Hex.of(KeySchedule.continuityProof(Secret.adopt(constant(32, 0x22)), Role.ANSWERER, vectorTranscript())))
        .isEqualTo("ee6953b0f8ed973a3bd29c8a91e9d721");
    assertThat(Hex.of(Reveal.encode(NONCE, List.of(), ks)))
        .isEqualTo("0100" + "11".repeat(32) + "00".repeat(32) + "d7e86e3db58ba07062d9ccef99c6d116");
  }

  /** A.6: a rekey chained to the A.3 exchange (PROTOCOL.md §6.1). */
  @Test
  void a6ChainedRekey() throws KeyingException {
    KeySchedule previous = vectorSchedule();
    byte[] chainId = previous.chainId();
    assertThat(Hex.of(chainId)).isEqualTo("5c668d58d8f6c86600fb711890b45b99");
    Secret chain = previous.chainSecret();
    assertThat(Hex.of(chain.exposeSecretBytes())).isEqualTo(
        "fdb05b22e1af23039fcecf5ddcc30d57ef8803e4d1b0902a20df0205b97a59f7ff311e4e36676989c3bb27e628d3af05");
    KemOffer reoffer = KemOffer.of(
        KemAlgorithm.MLKEM1024_X25519, fill(1600, 5, 1), DeviceId.of(constant(16, 0x01)),
        PendingOffer.commitment(NONCE), List.of(SrtpSuite.AEAD_AES_256_GCM, SrtpSuite.AES_256_CM_HMAC_SHA1_80),
        "AEAD_AES_256_GCM,AES_256_CM_HMAC_SHA1_80", Optional.of(chainId));
    byte[] th = Transcript.hash(reoffer, fill(1600, 7, 2), DeviceId.of(constant(16, 0x02)), SrtpSuite.AEAD_AES_256_GCM, Optional.of(chainId));
    assertThat(Hex.of(th)).isEqualTo("a67e2ac25db90bd930034bf1a31e4059e2b8bf6d0538079050fe26fa152f1aac"
        + "7ce39da64c21005fd0f150ea4b6a5d08");
    KeySchedule ks = KeySchedule.derive(Secret.adopt(fill(128, 1, 0)), th, SrtpSuite.AEAD_AES_256_GCM, Optional.of(chain));
    assertThat(Hex.of(ks.prkForTest().exposeSecretBytes())).isEqualTo(
        "e15eb8127bfc879251c85cd8c5d07537ce17bf4f88e5d3e85851ea360d0ca9f009c861644d26d057075eeea009d68925");
    assertThat(Hex.of(ks.answerConfirmation())).isEqualTo("84a72d5a7b4e6c55cda4abdf5961c594d2242d2a3f13ea359a4016f055f37107");
  }

  @Test
  void a4EndToEndWithDeterministicRandomness() throws Exception {
    ShakeRandom ra = new ShakeRandom("pqsip-v1 vector offerer");
    ShakeRandom rb = new ShakeRandom("pqsip-v1 vector answerer");
    KeyingConfig ca = KeyingConfig.defaults(Policy.REQUIRE, DeviceId.of(constant(16, 0x01)));
    KeyingConfig cb = KeyingConfig.defaults(Policy.REQUIRE, DeviceId.of(constant(16, 0x02)));
    KeyingSession a = new KeyingSession(ca, new InMemoryPeerStore(), "b", ra);
    KeyingSession b = new KeyingSession(cb, new InMemoryPeerStore(), "a", rb);
    KemOffer offer = a.createOffer().orElseThrow();
    AnswerOutcome ans = b.onOffer(Optional.of(offer));
    KemAnswer answer = ans.answer().orElseThrow();
    PqCall ac = ((KeyingOutcome.Secured) a.onAnswer(ans.answer())).call();
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    assertThat(Hex.of(sha.digest(offer.blob()))).isEqualTo("11fb656543e525e5e3220f130d4b0389b12b3f4cd08c0ec2e247c45c3441725b");
    assertThat(Hex.of(sha.digest(answer.blob()))).isEqualTo("1b965cb044d6dd545ab19422d63e9f4749646ebfcde6075022dbcc625c6ee249");
    assertThat(Hex.of(ac.keySchedule().transcriptHash())).isEqualTo("a69944b4235b4fee18c39d62405e2b73962834b598a2578d0e12f3b9fd269224"
            + "adfcd7085ebb80d4867fb0b311b717f5");
    assertThat(Hex.of(answer.confirm())).isEqualTo("ef17622f34a16178433cc05ea753062ce8b408909f019d5e4ff56cce9ac17129");
    assertThat(ac.sas()).contains("jdjt");
  }
}
