package org.pqsip.keying;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pqsip.testing.KeyingAssertions.assertFails;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.pqsip.crypto.KemAlgorithm;

/** Two peers (and sometimes a man in the middle) driven through offer/answer in memory. */
class KeyingSessionSimTest {
  /** Fresh per test (JUnit creates one instance per test method). */
  private final Peer alice = Peer.of("alice", Policy.REQUIRE);

  private final Peer bob = Peer.of("bob", Policy.REQUIRE);

  record Call(PqCall offerer, PqCall answerer) {}

  /** A complete exchange: offer, answer, confirmation, reveal. */
  static Call call(Peer a, Peer b) throws KeyingException {
    KeyingSession as = a.session(b);
    KeyingSession bs = b.session(a);
    AnswerOutcome ans = bs.onOffer(as.createOffer());
    PqCall ac = secured(as.onAnswer(ans.answer()));
    PqCall bc = secured(ans.outcome());
    bc.acceptReveal(ac.revealMessage());
    return new Call(ac, bc);
  }

  static PqCall secured(KeyingOutcome o) {
    assertThat(o).isInstanceOf(KeyingOutcome.Secured.class);
    return ((KeyingOutcome.Secured) o).call();
  }

  /** Two complete calls: each side has stored a secret and seen the other prove one. */
  static void history(Peer a, Peer b) throws KeyingException {
    commit(call(a, b));
    commit(call(a, b));
  }

  static void commit(Call c) throws KeyingException {
    c.offerer().commitContinuity();
    c.answerer().commitContinuity();
  }

  @Test
  void bothSidesDeriveTheSameKeysAndSas() throws Exception {
    Call c = call(alice, bob);
    assertThat(c.offerer().sas()).isPresent().isEqualTo(c.answerer().sas());
    assertThat(c.offerer().sas().get()).hasSize(4);
    for (Role sender : Role.values()) {
      for (int m = 0; m < 3; m++) {
        assertThat(c.offerer().srtpKey(m, sender).key())
            .isEqualTo(c.answerer().srtpKey(m, sender).key());
        assertThat(c.offerer().srtpKey(m, sender).salt())
            .isEqualTo(c.answerer().srtpKey(m, sender).salt());
      }
    }
    assertThat(c.offerer().srtpKey(0, Role.OFFERER).key())
        .isNotEqualTo(c.offerer().srtpKey(0, Role.ANSWERER).key())
        .isNotEqualTo(c.offerer().srtpKey(1, Role.OFFERER).key());
    assertThat(c.offerer().verification()).contains(Verification.NEW_PEER);
    assertThat(c.answerer().verification()).contains(Verification.NEW_PEER);
  }

  @Test
  void answererKnowsNothingBeforeTheReveal() throws Exception {
    AnswerOutcome ans = bob.session(alice).onOffer(alice.session(bob).createOffer());
    PqCall bc = secured(ans.outcome());
    assertThat(bc.sas()).isEmpty();
    assertThat(bc.verification()).isEmpty();
    assertThat(bc.isConfirmed()).isFalse();
    assertFails(bc::commitContinuity, KeyingException.Reason.WRONG_STATE);
  }

  @Test
  void fipsOnlyModeUsesMlKemAlone() throws Exception {
    Peer fipsAlice = alice.with(alice.config().withKem(KemAlgorithm.MLKEM1024));
    Call c = call(fipsAlice, bob);
    assertThat(c.offerer().kem()).isEqualTo(KemAlgorithm.MLKEM1024);
    assertThat(c.offerer().sas()).isEqualTo(c.answerer().sas());
  }

  @Test
  void fipsOnlyAnswererRefusesHybridOfferUnderRequire() throws Exception {
    Peer fipsBob = bob.with(bob.config().withKem(KemAlgorithm.MLKEM1024));
    Optional<KemOffer> offer = alice.session(fipsBob).createOffer();
    KeyingSession bs = fipsBob.session(alice);
    assertFails(() -> bs.onOffer(offer), KeyingException.Reason.UNSUPPORTED);
  }

  @Test
  void secondCallShowsContinuityAndSasConfirmationMakesItVerified() throws Exception {
    Call first = call(alice, bob);
    commit(first);
    Call second = call(alice, bob);
    assertThat(second.offerer().verification()).contains(Verification.CONTINUITY);
    assertThat(second.answerer().verification()).contains(Verification.CONTINUITY);
    second.offerer().markSasVerified();
    second.answerer().markSasVerified();
    Call third = call(bob, alice); // roles swapped: continuity does not depend on who calls
    assertThat(third.offerer().verification()).contains(Verification.VERIFIED);
    assertThat(third.answerer().verification()).contains(Verification.VERIFIED);
  }

  @Test
  void callThatEndedBeforeOneSideStoredStillShowsContinuity() throws Exception {
    commit(call(alice, bob));
    Call interrupted = call(alice, bob);
    interrupted.offerer().commitContinuity(); // Bob never stored (crash, lost reveal)
    Call next = call(alice, bob);
    assertThat(next.offerer().verification()).contains(Verification.CONTINUITY);
    assertThat(next.answerer().verification()).contains(Verification.CONTINUITY);
  }

  @Test
  void answererMissingManyUpdatesInARowStillShowsContinuity() throws Exception {
    commit(call(alice, bob));
    for (int i = 0; i < 5; i++) {
      Call shortCall = call(alice, bob); // each ends before Bob stores the new secret
      assertThat(shortCall.offerer().verification()).contains(Verification.CONTINUITY);
      shortCall.offerer().commitContinuity();
    }
    Call next = call(alice, bob);
    assertThat(next.offerer().verification()).contains(Verification.CONTINUITY);
    assertThat(next.answerer().verification()).contains(Verification.CONTINUITY);
    commit(next);
    Call after = call(bob, alice);
    assertThat(after.offerer().verification()).contains(Verification.CONTINUITY);
    assertThat(after.answerer().verification()).contains(Verification.CONTINUITY);
  }

  @Test
  void peerThatNeverStoredItsFirstSecretIsNewPeerNotMismatch() throws Exception {
    Call first = call(alice, bob);
    first.offerer().commitContinuity(); // Bob's first call ended before the reveal arrived
    Call second = call(alice, bob);
    assertThat(second.offerer().verification()).contains(Verification.NEW_PEER);
    commit(second);
    Call third = call(alice, bob);
    assertThat(third.offerer().verification()).contains(Verification.CONTINUITY);
    assertThat(third.answerer().verification()).contains(Verification.CONTINUITY);
  }

  @Test
  void lostRetainedSecretIsReportedAsMismatch() throws Exception {
    history(alice, bob);
    Peer freshBob = bob.withLostStore();
    Call c = call(alice, freshBob);
    assertThat(c.offerer().verification()).contains(Verification.MISMATCH);
    assertThat(c.answerer().verification()).contains(Verification.NEW_PEER);
  }

  @Test
  void mismatchRefusedWhenPolicySaysSo() throws Exception {
    history(alice, bob);
    Peer strictAlice = alice.with(alice.config().withRefuseOnMismatch(true));
    Peer freshBob = bob.withLostStore();
    assertFails(() -> call(strictAlice, freshBob), KeyingException.Reason.CONTINUITY_MISMATCH);
  }

  @Test
  void tamperedCiphertextFailsConfirmation() throws Exception {
    KeyingSession as = alice.session(bob);
    KemAnswer a = bob.session(alice).onOffer(as.createOffer()).answer().orElseThrow();
    byte[] blob = a.blob();
    blob[100] ^= 1;
    KemAnswer tampered = KemAnswer.of(a.algorithm(), blob, a.device(), a.srtpSuite(), a.confirm(), a.continuityProofs());
    assertFails(() -> as.onAnswer(Optional.of(tampered)), KeyingException.Reason.CONFIRMATION_FAILED);
  }

  @Test
  void tamperedX25519HalfFailsConfirmation() throws Exception {
    KeyingSession as = alice.session(bob);
    KemAnswer a = bob.session(alice).onOffer(as.createOffer()).answer().orElseThrow();
    byte[] blob = a.blob();
    blob[1568 + 5] ^= 0x40;
    KemAnswer tampered = KemAnswer.of(a.algorithm(), blob, a.device(), a.srtpSuite(), a.confirm(), a.continuityProofs());
    assertThatThrownBy(() -> as.onAnswer(Optional.of(tampered)))
        .isInstanceOfSatisfying(KeyingException.class, e -> assertThat(e.reason()).isIn(KeyingException.Reason.CONFIRMATION_FAILED, KeyingException.Reason.INVALID_PUBLIC_KEY));
  }

  @Test
  void mitmThatSwapsKeysBothWaysWithoutRecomputingFailsConfirmation() throws Exception {
    Peer mallory = Peer.of("mallory", Policy.REQUIRE);
    KeyingSession as = alice.session(bob);
    KemOffer aliceOffer = as.createOffer().orElseThrow();
    // Mallory replaces Alice's public key with her own and Bob's ciphertext with hers.
    KemOffer malloryOffer = mallory.session(bob).createOffer().orElseThrow();
    KemOffer swapped = KemOffer.of(aliceOffer.algorithm(), malloryOffer.blob(), aliceOffer.device(), aliceOffer.commit(), aliceOffer.srtpSuites());
    KemAnswer bobAnswer = bob.session(alice).onOffer(Optional.of(swapped)).answer().orElseThrow();
    KemAnswer malloryAnswer = mallory.session(alice).onOffer(Optional.of(aliceOffer)).answer().orElseThrow();
    KemAnswer forged = KemAnswer.of(bobAnswer.algorithm(), malloryAnswer.blob(), bobAnswer.device(), bobAnswer.srtpSuite(), bobAnswer.confirm(), bobAnswer.continuityProofs());
    assertFails(() -> as.onAnswer(Optional.of(forged)), KeyingException.Reason.CONFIRMATION_FAILED);
  }

  @Test
  void fullMitmRunningTwoExchangesIsExposedBySasAndContinuity() throws Exception {
    history(alice, bob); // an earlier, clean call
    // Mallory terminates both legs and claims each real party's device id.
    Peer malloryToAlice = new Peer("bob", bob.config(), new InMemoryPeerStore(), Peer.of("m1", Policy.REQUIRE).random());
    Peer malloryToBob = new Peer("alice", alice.config(), new InMemoryPeerStore(), Peer.of("m2", Policy.REQUIRE).random());
    Call leg1 = call(alice, malloryToAlice);
    Call leg2 = call(malloryToBob, bob);
    assertThat(leg1.offerer().sas()).isNotEqualTo(leg2.answerer().sas());
    assertThat(leg1.offerer().verification()).contains(Verification.MISMATCH);
    assertThat(leg2.answerer().verification()).contains(Verification.MISMATCH);
  }

  @Test
  void revealThatDoesNotOpenTheCommitmentIsRejected() throws Exception {
    KeyingSession as = alice.session(bob);
    AnswerOutcome ans = bob.session(alice).onOffer(as.createOffer());
    PqCall ac = secured(as.onAnswer(ans.answer()));
    PqCall bc = secured(ans.outcome());
    byte[] reveal = ac.revealMessage();
    reveal[10] ^= 1; // nonce byte: MAC fails first
    assertFails(() -> bc.acceptReveal(reveal), KeyingException.Reason.REVEAL_INVALID);
    assertFails(() -> bc.acceptReveal(new byte[5]), KeyingException.Reason.REVEAL_INVALID);
    assertThat(bc.sas()).isEmpty();
    assertThat(bc.acceptReveal(ac.revealMessage())).isEqualTo(Verification.NEW_PEER);
  }

  @Test
  void revealWithValidMacButWrongNonceFailsTheCommitment() throws Exception {
    KeyingSession as = alice.session(bob);
    AnswerOutcome ans = bob.session(alice).onOffer(as.createOffer());
    PqCall ac = secured(as.onAnswer(ans.answer()));
    PqCall bc = secured(ans.outcome());
    // An insider with the session keys (Alice herself) tries to open the commitment differently.
    byte[] grind = new byte[32];
    grind[0] = 42;
    byte[] forged = Reveal.encode(grind, List.of(), ac.keySchedule());
    assertFails(() -> bc.acceptReveal(forged), KeyingException.Reason.COMMITMENT_MISMATCH);
  }

  @Test
  void forkedAnswersCannotShareOneSasNonce() throws Exception {
    Peer alice = Peer.of("alice", Policy.REQUIRE);
    Peer bob1 = Peer.of("bob-desk", Policy.REQUIRE);
    Peer bob2 = Peer.of("bob-mobile", Policy.REQUIRE);
    KeyingSession as = alice.session(bob1);
    Optional<KemOffer> offer = as.createOffer();
    AnswerOutcome a1 = bob1.session(alice).onOffer(offer);
    AnswerOutcome a2 = bob2.session(alice).onOffer(offer);
    PqCall c1 = secured(as.onAnswer(a1.answer()));
    assertThat(c1.srtpKey(0, Role.OFFERER).key()).isEqualTo(secured(a1.outcome()).srtpKey(0, Role.OFFERER).key());
    // The first confirmed answer consumed the offer: the nonce behind its commitment is revealed
    // to that fork only, and a second fork gets no keys (the driver ends that dialog).
    assertFails(() -> as.onAnswer(a2.answer()), KeyingException.Reason.WRONG_STATE);
  }

  @Test
  void forkedAnswerThatFailsConfirmationDoesNotConsumeTheOffer() throws Exception {
    Peer bob2 = Peer.of("bob-mobile", Policy.REQUIRE);
    KeyingSession as = alice.session(bob);
    Optional<KemOffer> offer = as.createOffer();
    KemAnswer good = bob.session(alice).onOffer(offer).answer().orElseThrow();
    KemAnswer other = bob2.session(alice).onOffer(offer).answer().orElseThrow();
    KemAnswer forged = KemAnswer.of(other.algorithm(), other.blob(), other.device(), other.srtpSuite(), good.confirm(), List.of());
    assertFails(() -> as.onAnswer(Optional.of(forged)), KeyingException.Reason.CONFIRMATION_FAILED);
    assertThat(as.onAnswer(Optional.of(good))).isInstanceOf(KeyingOutcome.Secured.class);
  }

  @Test
  void reOfferRunsAFreshExchange() throws Exception {
    KeyingSession as = alice.session(bob);
    KeyingSession bs = bob.session(alice);
    KemOffer first = as.createOffer().orElseThrow();
    PqCall c1 = secured(as.onAnswer(bs.onOffer(Optional.of(first)).answer()));
    KemOffer second = as.createOffer().orElseThrow();
    assertThat(second.blob()).isNotEqualTo(first.blob());
    assertThat(second.commit()).isNotEqualTo(first.commit());
    PqCall c2 = secured(as.onAnswer(bs.onOffer(Optional.of(second)).answer()));
    assertThat(c2.srtpKey(0, Role.OFFERER).key()).isNotEqualTo(c1.srtpKey(0, Role.OFFERER).key());
    // The old offer's private key is gone: its answer can no longer be accepted.
    KemAnswer late = bob.session(alice).onOffer(Optional.of(first)).answer().orElseThrow();
    assertThatThrownBy(() -> as.onAnswer(Optional.of(late))).isInstanceOf(KeyingException.class);
  }

  @Test
  void preparedKeysAreUsedOnceAndGiveAWorkingExchange() throws Exception {
    PreparedKeys prepared = PreparedKeys.generate(alice.config().kem(), alice.random());
    KeyingSession as = alice.session(bob);
    KemOffer offer = as.createOffer(Optional.of(prepared)).orElseThrow();
    AnswerOutcome ans = bob.session(alice).onOffer(Optional.of(offer));
    PqCall ac = secured(as.onAnswer(ans.answer()));
    assertThat(ac.srtpKey(0, Role.OFFERER).key()).isEqualTo(secured(ans.outcome()).srtpKey(0, Role.OFFERER).key());
    KeyingSession again = alice.session(bob);
    assertThatThrownBy(() -> again.createOffer(Optional.of(prepared))).isInstanceOf(IllegalStateException.class);
    // keys prepared for another algorithm are not used: a fresh pair is generated instead
    PreparedKeys fips = PreparedKeys.generate(org.pqsip.crypto.KemAlgorithm.MLKEM1024, alice.random());
    assertThat(alice.session(bob).createOffer(Optional.of(fips)).orElseThrow().algorithm())
        .isEqualTo(org.pqsip.crypto.KemAlgorithm.MLKEM1024_X25519);
  }

  @Test
  void requireRefusesAnAnswerWithoutPq() throws Exception {
    Peer alice = Peer.of("alice", Policy.REQUIRE);
    KeyingSession as = alice.session(Peer.of("legacy", Policy.OFF));
    as.createOffer();
    assertFails(() -> as.onAnswer(Optional.empty()), KeyingException.Reason.PQ_REQUIRED);
  }

  @Test
  void requireRefusesAnOfferWithoutPq() {
    Peer bob = Peer.of("bob", Policy.REQUIRE);
    KeyingSession bs = bob.session(Peer.of("legacy", Policy.OFF));
    assertThatThrownBy(() -> bs.onOffer(Optional.empty()))
        .isInstanceOfSatisfying(KeyingException.class, e -> assertThat(e.code()).isEqualTo("pqkem-pq-required"));
  }

  @Test
  void strippedAttributeFromAKnownPqPeerIsADowngrade() throws Exception {
    Peer alice = Peer.of("alice", Policy.PREFER);
    Peer bob = Peer.of("bob", Policy.PREFER);
    commit(call(alice, bob));
    KeyingSession as = alice.session(bob);
    as.createOffer(); // a man in the middle strips a=pqkem from the offer
    AnswerOutcome ans = bob.session(alice).onOffer(Optional.empty());
    assertThat(ans.answer()).isEmpty();
    assertThat(ans.outcome()).isEqualTo(new KeyingOutcome.Unsecured(Verification.DOWNGRADE, Optional.empty()));
    assertThat(as.onAnswer(Optional.empty()))
        .isEqualTo(new KeyingOutcome.Unsecured(Verification.DOWNGRADE, Optional.empty()));
  }

  @Test
  void legacyPeerNeverSeenWithPqIsPlainNone() throws Exception {
    Peer alice = Peer.of("alice", Policy.PREFER);
    KeyingSession as = alice.session(Peer.of("legacy", Policy.OFF));
    as.createOffer();
    assertThat(as.onAnswer(Optional.empty()))
        .isEqualTo(new KeyingOutcome.Unsecured(Verification.NONE, Optional.empty()));
  }

  @Test
  void policyOffNeitherOffersNorAnswersPq() throws Exception {
    Peer off = Peer.of("off", Policy.OFF);
    Peer bob = Peer.of("bob", Policy.PREFER);
    assertThat(off.session(bob).createOffer()).isEmpty();
    AnswerOutcome ans = off.session(bob).onOffer(bob.session(off).createOffer());
    assertThat(ans.answer()).isEmpty();
  }

  @Test
  void answerWithoutOfferIsAWrongStateNotACrash() {
    Peer alice = Peer.of("alice", Policy.PREFER);
    Peer bob = Peer.of("bob", Policy.PREFER);
    KemAnswer stray;
    try {
      stray = bob.session(alice).onOffer(alice.session(bob).createOffer()).answer().orElseThrow();
    } catch (KeyingException e) {
      throw new AssertionError(e);
    }
    assertFails(() -> alice.session(bob).onAnswer(Optional.of(stray)), KeyingException.Reason.WRONG_STATE);
  }
}
