package org.pqsip.keying;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pqsip.testing.KeyingAssertions.assertFails;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Three parties in memory: Alice, Bob and the PBX between them, which sees and may rewrite every
 * offer and answer of both dialogs (docs/PROTOCOL.md §8, "the adversary on the signalling path").
 * Each test is named after the attack it runs; each attack failed against the keying before
 * chained rekeys, in-dialog downgrade refusal and the stricter continuity rules.
 */
class HostilePbxSimTest {
  private final Peer alice = Peer.of("alice", Policy.PREFER);
  private final Peer bob = Peer.of("bob", Policy.PREFER);
  private final Peer pbx = Peer.of("pbx", Policy.PREFER);

  /** One dialog seen from both ends, after a complete first exchange. */
  record Dialog(KeyingSession a, KeyingSession b, PqCall first, PqCall firstAtB) {}

  private static Dialog dialog(Peer a, Peer b) throws KeyingException {
    KeyingSession as = a.session(b);
    KeyingSession bs = b.session(a);
    AnswerOutcome ans = bs.onOffer(as.createOffer());
    PqCall ac = secured(as.onAnswer(ans.answer()));
    PqCall bc = secured(ans.outcome());
    bc.acceptReveal(ac.revealMessage());
    ac.commitContinuity();
    bc.commitContinuity();
    return new Dialog(as, bs, ac, bc);
  }

  private static PqCall secured(KeyingOutcome o) {
    return KeyingSessionSimTest.secured(o);
  }

  /** The PBX answers {@code offer} itself, echoing the chain claim when {@code claimChain}. */
  private KemAnswer pbxAnswer(KemOffer offer, boolean claimChain, DeviceId as) throws KeyingException {
    Peer pretending = pbx.with(new KeyingConfig(Policy.PREFER, pbx.config().kem(), pbx.config().srtpSuites(), false, false, as));
    // The PBX holds no exchange of this dialog, so its answer is not chained (it binds the
    // offer's chain claim as received, like any answerer).
    KemAnswer a = pretending.session(alice).onOffer(Optional.of(offer)).answer().orElseThrow();
    return KemAnswer.of(a.algorithm(), a.blob(), a.device(), a.srtpSuite(), a.confirm(), a.continuityProofs(),
        claimChain ? offer.chain() : Optional.empty());
  }

  @Test
  void honestRekeyIsChainedKeepsTheSasAndVerificationAndStoresNothing() throws Exception {
    Dialog d = dialog(alice, bob);
    d.first().markSasVerified();
    d.firstAtB().markSasVerified();
    PeerRecord before = alice.store().device(bob.config().device()).orElseThrow();
    KemOffer reoffer = d.a().createOffer().orElseThrow();
    assertThat(reoffer.chain()).isPresent();
    AnswerOutcome ans = d.b().onOffer(Optional.of(reoffer));
    PqCall ar = secured(d.a().onAnswer(ans.answer()));
    PqCall br = secured(ans.outcome());
    br.acceptReveal(ar.revealMessage());
    assertThat(ar.exchange()).isEqualTo(PqCall.Exchange.REKEY);
    assertThat(br.exchange()).isEqualTo(PqCall.Exchange.REKEY);
    assertThat(ar.srtpKey(0, Role.OFFERER).key()).isEqualTo(br.srtpKey(0, Role.OFFERER).key())
        .isNotEqualTo(d.first().srtpKey(0, Role.OFFERER).key());
    assertThat(ar.sas()).isEqualTo(d.first().sas()).isEqualTo(br.sas());
    assertThat(ar.verification()).contains(Verification.VERIFIED);
    assertThat(br.verification()).contains(Verification.VERIFIED);
    ar.commitContinuity();
    assertThat(alice.store().device(bob.config().device()).orElseThrow().rs1())
        .isEqualTo(before.rs1());
  }

  @Test
  void pbxAnsweringARekeyAndClaimingTheChainFailsConfirmationAndAliceKeepsHerKeys() throws Exception {
    Dialog d = dialog(alice, bob);
    KemOffer reoffer = d.a().createOffer().orElseThrow();
    KemAnswer forged = pbxAnswer(reoffer, true, bob.config().device());
    assertFails(() -> d.a().onAnswer(Optional.of(forged)), KeyingException.Reason.CONFIRMATION_FAILED);
    // The failed rekey changed nothing: the next honest rekey still chains to the first exchange.
    KemOffer again = d.a().createOffer().orElseThrow();
    assertThat(again.chain().orElseThrow()).isEqualTo(reoffer.chain().orElseThrow());
    AnswerOutcome ans = d.b().onOffer(Optional.of(again));
    assertThat(secured(d.a().onAnswer(ans.answer())).exchange()).isEqualTo(PqCall.Exchange.REKEY);
  }

  @Test
  void pbxAnsweringARekeyWithoutTheChainIsAChangedPeerAndCannotPassAsBob() throws Exception {
    Dialog d = dialog(alice, bob);
    dialog(alice, bob); // a second call: Bob's device has proven its retained secret to Alice
    KemOffer reoffer = d.a().createOffer().orElseThrow();
    PqCall asBob = secured(d.a().onAnswer(Optional.of(pbxAnswer(reoffer, false, bob.config().device()))));
    assertThat(asBob.exchange()).isEqualTo(PqCall.Exchange.PEER_CHANGED);
    assertThat(asBob.verification()).contains(Verification.MISMATCH);
    assertThat(asBob.sas()).isNotEqualTo(d.first().sas());

    Dialog d2 = dialog(alice, bob);
    KemOffer reoffer2 = d2.a().createOffer().orElseThrow();
    PqCall fresh = secured(d2.a().onAnswer(Optional.of(pbxAnswer(reoffer2, false, Peer.of("m", Policy.PREFER).config().device()))));
    assertThat(fresh.exchange()).isEqualTo(PqCall.Exchange.PEER_CHANGED);
    assertThat(fresh.verification()).contains(Verification.NEW_DEVICE);
  }

  @Test
  void pbxRekeyingBobWithACopiedChainIdNeverGetsItsRevealAccepted() throws Exception {
    Dialog d = dialog(alice, bob);
    byte[] chainId = d.a().createOffer().orElseThrow().chain().orElseThrow(); // seen on the wire
    KeyingSession pbxAsAlice = pbx.with(new KeyingConfig(Policy.PREFER, pbx.config().kem(), pbx.config().srtpSuites(), false, false, alice.config().device())).session(bob);
    KemOffer own = pbxAsAlice.createOffer().orElseThrow();
    KemOffer claimed = KemOffer.of(own.algorithm(), own.blob(), own.device(), own.commit(), own.srtpSuites(), own.srtpText(), Optional.of(chainId));
    AnswerOutcome ans = d.b().onOffer(Optional.of(claimed));
    PqCall atBob = secured(ans.outcome());
    assertThat(atBob.exchange()).isEqualTo(PqCall.Exchange.REKEY);
    // The PBX cannot derive the chained keys, so the answer's confirm fails for it and whatever
    // reveal it can compute fails at Bob: Bob never confirms, and gives up on that exchange.
    assertFails(() -> pbxAsAlice.onAnswer(ans.answer()), KeyingException.Reason.MALFORMED_ATTRIBUTE);
    assertThat(atBob.isConfirmed()).isFalse();
    d.b().abandon(atBob);
    KemOffer honest = d.a().createOffer().orElseThrow();
    assertThat(secured(d.b().onOffer(Optional.of(honest)).outcome()).exchange()).isEqualTo(PqCall.Exchange.REKEY);
  }

  @Test
  void pbxReInvitingBobWithAnUnchainedOfferIsAnnouncedAsAChangedPeer() throws Exception {
    Dialog d = dialog(alice, bob);
    KemOffer fromPbx = pbx.session(bob).createOffer().orElseThrow();
    PqCall atBob = secured(d.b().onOffer(Optional.of(fromPbx)).outcome());
    assertThat(atBob.exchange()).isEqualTo(PqCall.Exchange.PEER_CHANGED);
  }

  @Test
  void strippedPqkemInAReInviteIsRefusedInBothRolesWhateverThePolicy() throws Exception {
    for (Policy p : Policy.values()) {
      if (p == Policy.OFF) {
        continue; // an off phone never has a pqkem dialog
      }
      Peer a = alice.with(alice.config().withPolicy(p));
      Peer b = bob.with(bob.config().withPolicy(p));
      Dialog d = dialog(a, b);
      assertFails(() -> d.b().onOffer(Optional.empty()), KeyingException.Reason.DOWNGRADE_REFUSED);
      d.a().createOffer();
      assertFails(() -> d.a().onAnswer(Optional.empty()), KeyingException.Reason.DOWNGRADE_REFUSED);
      KeyingException malformed = new KeyingException(KeyingException.Reason.BAD_BASE64, "x");
      assertFails(() -> d.b().declined(malformed), p == Policy.REQUIRE ? KeyingException.Reason.BAD_BASE64 : KeyingException.Reason.DOWNGRADE_REFUSED);
    }
  }

  @Test
  void impersonatingAVerifiedDeviceWithoutProofsIsMismatchEvenBeforeItProvedAnything() throws Exception {
    Dialog d = dialog(alice, bob);
    d.first().markSasVerified(); // verified on the first call: Bob has proven nothing yet
    Peer fakeBob = bob.withLostStore(); // the PBX claims Bob's device id, holds no secret
    KeyingSession as = alice.session(bob);
    AnswerOutcome ans = fakeBob.session(alice).onOffer(as.createOffer());
    assertThat(secured(as.onAnswer(ans.answer())).verification()).contains(Verification.MISMATCH);
  }

  @Test
  void mismatchNeverOverwritesWhatWeHoldNorClearsVerified() throws Exception {
    Dialog d = dialog(alice, bob);
    d.first().markSasVerified();
    Peer fakeBob = bob.withLostStore();
    for (int i = 0; i < 2; i++) { // a second impersonation is still a mismatch
      KeyingSession as = alice.session(bob);
      AnswerOutcome ans = fakeBob.session(alice).onOffer(as.createOffer());
      PqCall c = secured(as.onAnswer(ans.answer()));
      assertThat(c.verification()).contains(Verification.MISMATCH);
      c.commitContinuity();
    }
    Dialog real = dialog(alice, bob);
    assertThat(real.first().verification()).contains(Verification.VERIFIED);
  }

  @Test
  void continuityNeverRaisesVerificationOnlyTheUserDoes() throws Exception {
    for (int i = 0; i < 3; i++) {
      Dialog d = dialog(alice, bob);
      assertThat(d.first().verification()).isNotEqualTo(Optional.of(Verification.VERIFIED));
    }
    assertThat(alice.store().device(bob.config().device()).orElseThrow().verified()).isFalse();
  }

  @Test
  void freshDeviceIdForAKnownContactIsNewDeviceNotNewPeer() throws Exception {
    dialog(alice, bob);
    Peer otherBob = Peer.of("bob-other-phone", Policy.PREFER);
    KeyingSession as = alice.session(bob); // calls bob's address
    AnswerOutcome ans = otherBob.session(alice).onOffer(as.createOffer());
    PqCall c = secured(as.onAnswer(ans.answer()));
    assertThat(c.verification()).contains(Verification.NEW_DEVICE);
    assertThat(c.verification().orElseThrow().isWarning()).isTrue();
  }

  @Test
  void verifiedIdentityComesFromTheRecordNotFromTheRewrittenHeader() throws Exception {
    Dialog d = dialog(alice, bob);
    d.first().markSasVerified();
    // The PBX rewrites the From of Bob's next call to "sip:ceo@pq.test".
    KeyingSession bs = bob.session(alice);
    KeyingSession as = new KeyingSession(alice.config(), alice.store(), "sip:ceo@pq.test", alice.random());
    AnswerOutcome ans = as.onOffer(bs.createOffer());
    PqCall atBob = secured(bs.onAnswer(ans.answer()));
    PqCall atAlice = secured(ans.outcome());
    atAlice.acceptReveal(atBob.revealMessage());
    assertThat(atAlice.verification()).contains(Verification.VERIFIED);
    assertThat(atAlice.verifiedIdentity()).contains("sip:bob@pq.test");
  }

  @Test
  void reflectedOfferOrAnswerCarryingOurOwnDeviceIdIsRefused() throws Exception {
    KeyingSession as = alice.session(bob);
    Optional<KemOffer> offer = as.createOffer();
    assertFails(() -> alice.session(bob).onOffer(offer), KeyingException.Reason.REFLECTION);
    KemAnswer real = bob.session(alice).onOffer(offer).answer().orElseThrow();
    KemAnswer reflected = KemAnswer.of(real.algorithm(), real.blob(), alice.config().device(), real.srtpSuite(), real.confirm(), List.of());
    assertFails(() -> as.onAnswer(Optional.of(reflected)), KeyingException.Reason.REFLECTION);
  }

  @Test
  void offerListingAnUnknownSuiteStillConfirmsBecauseTheListIsBoundAsSent() throws Exception {
    KeyingSession as = alice.session(bob);
    KemOffer o = as.createOffer().orElseThrow();
    String text = org.pqsip.sdp.PqKemAttribute.formatOffer(o).replace("srtp=", "srtp=FUTURE_SUITE,");
    KemOffer received = org.pqsip.sdp.PqKemAttribute.selectOffer(List.of(text)).orElseThrow();
    // The offerer's view must bind the same text: a real offerer sends what it formats.
    assertThat(received.srtpText()).startsWith("FUTURE_SUITE,");
    AnswerOutcome ans = bob.session(alice).onOffer(Optional.of(received));
    KemOffer sent = KemOffer.of(o.algorithm(), o.blob(), o.device(), o.commit(), o.srtpSuites(), received.srtpText(), Optional.empty());
    assertThat(Transcript.hash(sent, ans.answer().orElseThrow()))
        .isNotEqualTo(Transcript.hash(o, ans.answer().orElseThrow()));
  }

  @Test
  void twoCallsAtOnceWithTheSameDeviceAreNotANewDevice() throws Exception {
    // Found by ./pq bench calls: both first calls are set up before either stores anything.
    KeyingSession a1 = alice.session(bob);
    KeyingSession a2 = alice.session(bob);
    AnswerOutcome ans1 = bob.session(alice).onOffer(a1.createOffer());
    AnswerOutcome ans2 = bob.session(alice).onOffer(a2.createOffer());
    PqCall c1 = secured(a1.onAnswer(ans1.answer()));
    PqCall b1 = secured(ans1.outcome());
    b1.acceptReveal(c1.revealMessage());
    c1.commitContinuity();
    b1.commitContinuity();
    PqCall c2 = secured(a2.onAnswer(ans2.answer()));
    PqCall b2 = secured(ans2.outcome());
    assertThat(b2.acceptReveal(c2.revealMessage())).isEqualTo(Verification.NEW_PEER);
    assertThat(c2.verification()).contains(Verification.NEW_PEER);
  }

  @Test
  void callsThatOverlapAndEndInADifferentOrderOnEachSideStillShowContinuity() throws Exception {
    // Found by ./pq bench calls: eight calls at once between the same two devices; Alice stores
    // their secrets in one order, Bob in the reverse. Each side's newest two then differ.
    for (int round = 0; round < 2; round++) {
      int n = 8;
      List<PqCall> atAlice = new java.util.ArrayList<>();
      List<PqCall> atBob = new java.util.ArrayList<>();
      for (int i = 0; i < n; i++) {
        KeyingSession as = alice.session(bob);
        AnswerOutcome ans = bob.session(alice).onOffer(as.createOffer());
        atAlice.add(secured(as.onAnswer(ans.answer())));
        atBob.add(secured(ans.outcome()));
      }
      for (int i = 0; i < n; i++) {
        atBob.get(i).acceptReveal(atAlice.get(i).revealMessage());
        assertThat(atAlice.get(i).verification().orElseThrow()).isNotEqualTo(Verification.MISMATCH);
        assertThat(atBob.get(i).verification().orElseThrow()).isNotEqualTo(Verification.MISMATCH);
      }
      for (int i = 0; i < n; i++) {
        atAlice.get(i).commitContinuity();
        atBob.get(n - 1 - i).commitContinuity();
      }
    }
    Dialog next = dialog(alice, bob);
    assertThat(next.first().verification()).contains(Verification.CONTINUITY);
    assertThat(next.firstAtB().verification()).contains(Verification.CONTINUITY);
  }
}
