package org.pqsip.keying;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.pqsip.crypto.Hkdf;
import org.pqsip.crypto.Secret;

/**
 * Retained-secret continuity (docs/PROTOCOL.md §5.5), in the manner of ZRTP's rs1/rs2: each side
 * proves possession of the secrets it holds for the peer device, bound to this call's transcript;
 * the verifier accepts a proof made with either of its own two secrets.
 */
final class Continuity {
  private Continuity() {}

  static List<byte[]> proofs(Optional<PeerRecord> record, Role prover, byte[] th) {
    List<byte[]> out = new ArrayList<>(2);
    record.ifPresent(
        r -> {
          out.add(KeySchedule.continuityProof(r.rs1(), prover, th));
          r.rs2().ifPresent(rs2 -> out.add(KeySchedule.continuityProof(rs2, prover, th)));
        });
    return out;
  }

  /** The verification state and, if a proof matched, which of our secrets it proved. */
  record Result(Verification verification, Optional<Secret> matched) {}

  static Result evaluate(
      Optional<PeerRecord> record, List<byte[]> peerProofs, Role peerRole, byte[] th) {
    if (record.isEmpty()) {
      return new Result(Verification.NEW_PEER, Optional.empty());
    }
    PeerRecord r = record.get();
    Optional<Secret> matched = Optional.empty();
    if (matches(r.rs1(), peerProofs, peerRole, th)) {
      matched = Optional.of(r.rs1());
    } else if (r.rs2().isPresent() && matches(r.rs2().get(), peerProofs, peerRole, th)) {
      matched = r.rs2();
    }
    if (matched.isEmpty()) {
      boolean neverProven = !r.proven() && peerProofs.isEmpty();
      return new Result(neverProven ? Verification.NEW_PEER : Verification.MISMATCH, matched);
    }
    return new Result(r.verified() ? Verification.VERIFIED : Verification.CONTINUITY, matched);
  }

  private static boolean matches(Secret rs, List<byte[]> proofs, Role peerRole, byte[] th) {
    byte[] expected = KeySchedule.continuityProof(rs, peerRole, th);
    boolean any = false;
    for (byte[] p : proofs) {
      any |= Hkdf.constantTimeEquals(expected, p);
    }
    return any;
  }

  /**
   * The record after a confirmed call: the new secret becomes rs1; rs2 becomes the secret the
   * peer proved in this call (the last one known to be shared), or the old rs1 if it proved none.
   * Keeping the last proven secret, not blindly the previous rs1, means a peer that missed any
   * number of updates in a row (calls that ended before the reveal arrived) still proves rs2.
   */
  static PeerRecord next(
      Optional<PeerRecord> old, DeviceId device, Secret newRs, Verification verification, Optional<Secret> matched) {
    Optional<Secret> rs2 = matched.isPresent() ? matched : old.map(PeerRecord::rs1);
    boolean proven = matched.isPresent() || old.map(PeerRecord::proven).orElse(false);
    return new PeerRecord(device, newRs, rs2, verification == Verification.VERIFIED, proven);
  }
}
