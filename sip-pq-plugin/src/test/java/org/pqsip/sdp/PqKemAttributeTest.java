package org.pqsip.sdp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pqsip.testing.KeyingAssertions.assertFails;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pqsip.keying.DeviceId;
import org.pqsip.keying.InMemoryPeerStore;
import org.pqsip.keying.KemAnswer;
import org.pqsip.keying.KemOffer;
import org.pqsip.keying.KeyingConfig;
import org.pqsip.keying.KeyingException;
import org.pqsip.keying.KeyingException.Reason;
import org.pqsip.keying.KeyingSession;
import org.pqsip.keying.Policy;
import org.pqsip.testing.ShakeRandom;

/** Malformed a=pqkem input always becomes a typed {@link KeyingException}, never a crash. */
class PqKemAttributeTest {
  private static final ShakeRandom RANDOM = new ShakeRandom("attr");
  private static final KeyingSession ALICE =
      new KeyingSession(KeyingConfig.defaults(Policy.REQUIRE, DeviceId.random(RANDOM)), new InMemoryPeerStore(), "sip:b@x", RANDOM);
  private static final KemOffer OFFER = ALICE.createOffer().orElseThrow();
  private static final String GOOD_OFFER = PqKemAttribute.formatOffer(OFFER);
  private static final String GOOD_ANSWER;

  static {
    KeyingSession bob =
        new KeyingSession(KeyingConfig.defaults(Policy.REQUIRE, DeviceId.random(RANDOM)), new InMemoryPeerStore(), "sip:a@x", RANDOM);
    try {
      GOOD_ANSWER = PqKemAttribute.formatAnswer(bob.onOffer(Optional.of(OFFER)).answer().orElseThrow());
    } catch (KeyingException e) {
      throw new AssertionError(e);
    }
  }

  private static Reason offerError(String value) {
    try {
      PqKemAttribute.selectOffer(List.of(value));
    } catch (KeyingException e) {
      return e.reason();
    }
    return null;
  }

  private static Reason answerError(String value) {
    try {
      PqKemAttribute.selectAnswer(List.of(value));
    } catch (KeyingException e) {
      return e.reason();
    }
    return null;
  }

  @Test
  void wellFormedOfferAndAnswerRoundTrip() throws KeyingException {
    KemOffer o = PqKemAttribute.selectOffer(List.of(GOOD_OFFER)).orElseThrow();
    assertThat(o.blob()).isEqualTo(OFFER.blob());
    assertThat(PqKemAttribute.formatOffer(o)).isEqualTo(GOOD_OFFER);
    KemAnswer a = PqKemAttribute.selectAnswer(List.of(GOOD_ANSWER)).orElseThrow();
    assertThat(PqKemAttribute.formatAnswer(a)).isEqualTo(GOOD_ANSWER);
    assertThat(GOOD_OFFER).startsWith("1 mlkem1024-x25519 ").contains(" dev=", " commit=", " srtp=AEAD_AES_256_GCM,AES_256_CM_HMAC_SHA1_80");
    assertThat(GOOD_ANSWER).contains(" srtp=AEAD_AES_256_GCM", " confirm=");
  }

  @Test
  void badBase64() {
    String v = GOOD_OFFER.replaceFirst(" ([A-Za-z0-9+/]{10})", " $1!!");
    assertThat(offerError(v)).isEqualTo(Reason.BAD_BASE64);
    assertThat(offerError(GOOD_OFFER.replace("dev=", "dev=*"))).isEqualTo(Reason.BAD_BASE64);
    assertThat(answerError(GOOD_ANSWER.replace("confirm=", "confirm=%"))).isEqualTo(Reason.BAD_BASE64);
  }

  @Test
  void truncatedBlobIsWrongLengthOrBadBase64() {
    String[] f = GOOD_OFFER.split(" ");
    String cut = GOOD_OFFER.replace(f[2], f[2].substring(0, 400));
    assertThat(offerError(cut)).isEqualTo(Reason.BAD_LENGTH);
    String cutOdd = GOOD_OFFER.replace(f[2], f[2].substring(0, 401));
    assertThat(offerError(cutOdd)).isEqualTo(Reason.BAD_BASE64);
  }

  @Test
  void truncatedAttributeIsMalformed() {
    assertThat(offerError("1 mlkem1024-x25519")).isEqualTo(Reason.MALFORMED_ATTRIBUTE);
    assertThat(offerError("")).isEqualTo(Reason.MALFORMED_ATTRIBUTE);
    assertThat(offerError(GOOD_OFFER.substring(0, GOOD_OFFER.indexOf(" dev=")))).isEqualTo(Reason.MALFORMED_ATTRIBUTE);
    assertThat(answerError(GOOD_ANSWER.substring(0, GOOD_ANSWER.indexOf(" confirm=")))).isEqualTo(Reason.MALFORMED_ATTRIBUTE);
  }

  @Test
  void wrongLengthsOfSmallFields() {
    assertThat(offerError(GOOD_OFFER.replaceFirst("dev=\\S+", "dev=AAAA"))).isEqualTo(Reason.BAD_LENGTH);
    assertThat(offerError(GOOD_OFFER.replaceFirst("commit=\\S+", "commit=AAAA"))).isEqualTo(Reason.BAD_LENGTH);
    assertThat(answerError(GOOD_ANSWER.replaceFirst("confirm=\\S+", "confirm=AAAA"))).isEqualTo(Reason.BAD_LENGTH);
  }

  @ParameterizedTest
  @ValueSource(strings = {"2", "0", "17"})
  void unknownVersionIsIgnored(String version) throws KeyingException {
    assertThat(PqKemAttribute.selectOffer(List.of(version + GOOD_OFFER.substring(1)))).isEmpty();
  }

  @Test
  void unknownAlgorithmIsIgnoredNotGuessed() throws KeyingException {
    assertThat(PqKemAttribute.selectOffer(List.of(GOOD_OFFER.replace("mlkem1024-x25519", "mlkem768-x25519")))).isEmpty();
    assertThat(PqKemAttribute.selectOffer(List.of(GOOD_OFFER.replace("mlkem1024-x25519", "MLKEM1024-X25519")))).isEmpty();
  }

  @Test
  void unknownVersionBesideAKnownOneIsIgnored() throws KeyingException {
    assertThat(PqKemAttribute.selectOffer(List.of("9 future-kem AAAA x=y", GOOD_OFFER))).isPresent();
  }

  @Test
  void unknownParameterIsIgnored() throws KeyingException {
    assertThat(PqKemAttribute.selectOffer(List.of(GOOD_OFFER + " future=1"))).isPresent();
  }

  @Test
  void duplicatedAttributeOrParameterIsAnError() {
    assertFails(() -> PqKemAttribute.selectOffer(List.of(GOOD_OFFER, GOOD_OFFER)), Reason.DUPLICATE_ATTRIBUTE);
    assertThat(offerError(GOOD_OFFER + " dev=" + OFFER.device().text())).isEqualTo(Reason.DUPLICATE_ATTRIBUTE);
  }

  @Test
  void malformedVersionAndParameters() {
    assertThat(offerError("x" + GOOD_OFFER.substring(1))).isEqualTo(Reason.MALFORMED_ATTRIBUTE);
    assertThat(offerError("1000" + GOOD_OFFER.substring(1))).isEqualTo(Reason.MALFORMED_ATTRIBUTE);
    assertThat(offerError(GOOD_OFFER + " noequals")).isEqualTo(Reason.MALFORMED_ATTRIBUTE);
    assertThat(offerError(GOOD_OFFER.replace(" dev=", "  dev="))).isEqualTo(Reason.MALFORMED_ATTRIBUTE);
    assertThat(offerError(GOOD_OFFER + " " + "x".repeat(5000) + "=1")).isEqualTo(Reason.MALFORMED_ATTRIBUTE);
  }

  @Test
  void offerWithNoKnownSrtpSuite() {
    assertThat(offerError(GOOD_OFFER.replaceFirst("srtp=\\S+", "srtp=NULL_CIPHER"))).isEqualTo(Reason.NO_COMMON_SUITE);
    assertThat(answerError(GOOD_ANSWER.replaceFirst("srtp=\\S+", "srtp=NULL_CIPHER"))).isEqualTo(Reason.NO_COMMON_SUITE);
  }

  @Test
  void moreThanTwoContinuityProofs() {
    String p = "AAAAAAAAAAAAAAAAAAAAAA";
    assertThat(answerError(GOOD_ANSWER + " rs=" + p + "," + p + "," + p)).isEqualTo(Reason.BAD_LENGTH);
    assertThat(answerError(GOOD_ANSWER + " rs=AAAA")).isEqualTo(Reason.BAD_LENGTH);
  }

  @Test
  void aFutureVersionInItsOwnSyntaxIsSkippedAndVersionOneStillWorks() throws Exception {
    // A later version may use fields and parameters version 1 cannot parse (here: no blob, a
    // bare flag); it must not make the version-1 attribute beside it fail.
    List<String> values = List.of("2 mlkem1024-x25519-v2 flag", "17", GOOD_OFFER);
    assertThat(PqKemAttribute.selectOffer(values)).isPresent();
    assertThat(PqKemAttribute.selectOffer(List.of("2 mlkem1024-x25519-v2 flag"))).isEmpty();
    assertFails(() -> PqKemAttribute.selectOffer(List.of("x1 mlkem1024-x25519 AAAA")), Reason.MALFORMED_ATTRIBUTE);
  }
}
