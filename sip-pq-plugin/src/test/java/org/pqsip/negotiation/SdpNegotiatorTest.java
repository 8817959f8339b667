package org.pqsip.negotiation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pqsip.testing.KeyingAssertions.assertFails;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.pqsip.keying.DeviceId;
import org.pqsip.keying.InMemoryPeerStore;
import org.pqsip.keying.KeyingConfig;
import org.pqsip.keying.KeyingException;
import org.pqsip.keying.KeyingException.Reason;
import org.pqsip.keying.Policy;
import org.pqsip.keying.Verification;
import org.pqsip.sdp.PqKemAttribute;
import org.pqsip.sdp.SdpException;
import org.pqsip.sdp.SessionDescription;
import org.pqsip.srtp.SrtpSuite;
import org.pqsip.testing.ShakeRandom;

/** Policies against PQ peers and legacy phones, through real SDP text. */
class SdpNegotiatorTest {
  private final ShakeRandom random = new ShakeRandom("negotiator");

  static SessionDescription local(int port) throws SdpException {
    return SessionDescription.parse(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            + "m=audio " + port + " RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n");
  }

  /** An SDP as a legacy phone (baresip-like) would send it. */
  static SessionDescription legacy(String proto, String extraMediaLines) throws SdpException {
    return SessionDescription.parse(
        "v=0\r\no=legacy 7 7 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            + "m=audio 5000 " + proto + " 0\r\na=rtpmap:0 PCMU/8000\r\n" + extraMediaLines);
  }

  static String sdesLine(int tag, String suite, int keyBytes) {
    byte[] k = new byte[keyBytes];
    for (int i = 0; i < k.length; i++) {
      k[i] = (byte) (i * 7 + tag);
    }
    return "a=crypto:" + tag + " " + suite + " inline:" + Base64.getEncoder().encodeToString(k) + "\r\n";
  }

  SdpNegotiator negotiator(Policy policy, boolean sdes) {
    KeyingConfig c = KeyingConfig.defaults(policy, DeviceId.random(random)).withSdes(sdes);
    return new SdpNegotiator(c, new InMemoryPeerStore(), "sip:peer@pq.test", random);
  }

  @Test
  void requireToRequireIsPqWithMatchingKeys() throws Exception {
    SdpNegotiator alice = negotiator(Policy.REQUIRE, false);
    SdpNegotiator bob = negotiator(Policy.REQUIRE, false);
    SessionDescription offer = SessionDescription.parse(alice.createOffer(local(4000)).format());
    assertThat(offer.media().get(0).proto()).isEqualTo("RTP/SAVP");
    assertThat(offer.media().get(0).attributeValues("crypto")).isEmpty();
    SdpNegotiator.Answer answer = bob.answerOffer(offer, local(4002));
    SessionDescription answerSdp = SessionDescription.parse(answer.sdp().format());
    assertThat(answerSdp.media().get(0).proto()).isEqualTo("RTP/SAVP");
    CallSecurity a = alice.acceptAnswer(answerSdp);
    CallSecurity b = answer.security();
    assertThat(a.security()).isEqualTo(Security.PQ);
    assertThat(b.security()).isEqualTo(Security.PQ);
    assertThat(a.kem()).contains("mlkem1024-x25519");
    assertThat(a.srtp()).contains(SrtpSuite.AEAD_AES_256_GCM);
    assertThat(b.verification()).isEmpty(); // until the reveal arrives
    b.pqCall().orElseThrow().acceptReveal(a.pqCall().orElseThrow().revealMessage());
    assertThat(a.sas()).isPresent().isEqualTo(b.sas());
    assertThat(a.mediaKeys(0).orElseThrow().tx().key()).isEqualTo(b.mediaKeys(0).orElseThrow().rx().key());
    assertThat(a.mediaKeys(0).orElseThrow().rx().salt()).isEqualTo(b.mediaKeys(0).orElseThrow().tx().salt());
  }

  @Test
  void preferWithSdesAgainstPqPeerUsesPqAndDropsSdes() throws Exception {
    SdpNegotiator alice = negotiator(Policy.PREFER, true);
    SdpNegotiator bob = negotiator(Policy.PREFER, true);
    SessionDescription offer = alice.createOffer(local(4000));
    assertThat(offer.media().get(0).proto()).isEqualTo("RTP/AVP");
    assertThat(offer.media().get(0).attributeValues("crypto")).hasSize(2);
    SdpNegotiator.Answer answer = bob.answerOffer(offer, local(4002));
    assertThat(answer.sdp().media().get(0).attributeValues("crypto")).isEmpty();
    assertThat(alice.acceptAnswer(answer.sdp()).security()).isEqualTo(Security.PQ);
  }

  @Test
  void preferWithSdesAgainstLegacySdesPhone() throws Exception {
    SdpNegotiator alice = negotiator(Policy.PREFER, true);
    alice.createOffer(local(4000));
    SessionDescription answer = legacy("RTP/AVP", sdesLine(2, "AES_CM_128_HMAC_SHA1_80", 30));
    CallSecurity s = alice.acceptAnswer(answer);
    assertThat(s.security()).isEqualTo(Security.SDES);
    assertThat(s.srtp()).contains(SrtpSuite.AES_CM_128_HMAC_SHA1_80);
    assertThat(s.verification()).contains(Verification.NONE);
    assertThat(s.kem()).isEmpty();
    assertThat(s.sas()).isEmpty();
    assertThat(s.mediaKeys(0)).isPresent();
  }

  @Test
  void preferAgainstPlainLegacyPhoneIsUnencryptedAndSaysSo() throws Exception {
    SdpNegotiator alice = negotiator(Policy.PREFER, true);
    alice.createOffer(local(4000));
    CallSecurity s = alice.acceptAnswer(legacy("RTP/AVP", ""));
    assertThat(s.security()).isEqualTo(Security.NONE);
    assertThat(s.verification()).contains(Verification.NONE);
    assertThat(s.mediaKeys(0)).isEmpty();
  }

  @Test
  void plainLegacyOfferToPreferAnswerer() throws Exception {
    SdpNegotiator bob = negotiator(Policy.PREFER, false);
    SdpNegotiator.Answer a = bob.answerOffer(legacy("RTP/AVP", ""), local(4002));
    assertThat(a.security().security()).isEqualTo(Security.NONE);
    assertThat(a.sdp().attributeValues(PqKemAttribute.NAME)).isEmpty();
    assertThat(a.sdp().media().get(0).proto()).isEqualTo("RTP/AVP");
  }

  @Test
  void sdesLegacyOfferToPreferAnswererWithSdes() throws Exception {
    SdpNegotiator bob = negotiator(Policy.PREFER, true);
    SdpNegotiator.Answer a =
        bob.answerOffer(
            legacy("RTP/SAVP", sdesLine(1, "AES_CM_128_HMAC_SHA1_32", 30) + sdesLine(3, "AES_CM_128_HMAC_SHA1_80", 30)),
            local(4002));
    assertThat(a.security().security()).isEqualTo(Security.SDES);
    assertThat(a.sdp().media().get(0).proto()).isEqualTo("RTP/SAVP");
    assertThat(a.sdp().media().get(0).attributeValues("crypto")).singleElement().asString().startsWith("3 AES_CM_128_HMAC_SHA1_80 inline:");
  }

  @Test
  void srtpMandatoryLegacyOfferWithoutUsableKeysIsRefused() throws Exception {
    SdpNegotiator bob = negotiator(Policy.PREFER, false);
    assertFails(() -> bob.answerOffer(legacy("RTP/SAVP", sdesLine(1, "AES_CM_128_HMAC_SHA1_80", 30)), local(4002)), Reason.UNSUPPORTED);
  }

  @Test
  void requireRefusesLegacyOfferAndLegacyAnswer() throws Exception {
    SdpNegotiator bob = negotiator(Policy.REQUIRE, false);
    assertFails(() -> bob.answerOffer(legacy("RTP/AVP", ""), local(4002)), Reason.PQ_REQUIRED);
    SdpNegotiator alice = negotiator(Policy.REQUIRE, false);
    alice.createOffer(local(4000));
    assertFails(() -> alice.acceptAnswer(legacy("RTP/AVP", "")), Reason.PQ_REQUIRED);
  }

  @Test
  void publicKeyFailingModulusCheck() throws Exception {
    SdpNegotiator alice = negotiator(Policy.PREFER, false);
    String offer = alice.createOffer(local(4000)).format();
    String blob = offer.split("a=pqkem:1 mlkem1024-x25519 ")[1].split(" ")[0];
    byte[] raw = Base64.getDecoder().decode(blob);
    raw[0] = (byte) 0xff;
    raw[1] = (byte) (raw[1] | 0x0f); // first coefficient = 4095 > q
    String bad = offer.replace(blob, Base64.getEncoder().encodeToString(raw));

    SdpNegotiator strict = negotiator(Policy.REQUIRE, false);
    assertThatThrownBy(() -> strict.answerOffer(SessionDescription.parse(bad), local(4002)))
        .isInstanceOfSatisfying(KeyingException.class, e -> assertThat(e.code()).isEqualTo("pqkem-invalid-public-key"));

    SdpNegotiator lenient = negotiator(Policy.PREFER, false);
    SdpNegotiator.Answer a = lenient.answerOffer(SessionDescription.parse(bad), local(4002));
    assertThat(a.security().security()).isEqualTo(Security.NONE);
    assertThat(a.security().note()).get().extracting(KeyingException::reason).isEqualTo(Reason.INVALID_PUBLIC_KEY);
    assertThat(a.sdp().attributeValues(PqKemAttribute.NAME)).isEmpty();
  }

  @Test
  void corruptCiphertextInAnswerFailsTheCall() throws Exception {
    SdpNegotiator alice = negotiator(Policy.PREFER, false);
    SdpNegotiator bob = negotiator(Policy.PREFER, false);
    SdpNegotiator.Answer answer = bob.answerOffer(alice.createOffer(local(4000)), local(4002));
    String text = answer.sdp().format();
    String blob = text.split("a=pqkem:1 mlkem1024-x25519 ")[1].split(" ")[0];
    char c = blob.charAt(50) == 'A' ? 'B' : 'A';
    String corrupt = text.replace(blob, blob.substring(0, 50) + c + blob.substring(51));
    assertFails(() -> alice.acceptAnswer(SessionDescription.parse(corrupt)), Reason.CONFIRMATION_FAILED);
  }
}
