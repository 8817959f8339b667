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

  static Verification evaluate(
      Optional<PeerRecord> record, List<byte[]> peerProofs, Role peerRole, byte[] th) {
    if (record.isEmpty()) {
      return Verification.NEW_PEER;
    }
    PeerRecord r = record.get();
    boolean match = matches(r.rs1(), peerProofs, peerRole, th);
    if (r.rs2().isPresent()) {
      match |= matches(r.rs2().get(), peerProofs, peerRole, th);
    }
    if (!match) {
      return Verification.MISMATCH;
    }
    return r.verified() ? Verification.VERIFIED : Verification.CONTINUITY;
  }

  private static boolean matches(Secret rs, List<byte[]> proofs, Role peerRole, byte[] th) {
    byte[] expected = KeySchedule.continuityProof(rs, peerRole, th);
    boolean any = false;
    for (byte[] p : proofs) {
      any |= Hkdf.constantTimeEquals(expected, p);
    }
    return any;
  }

  /** The record after a confirmed call: the new secret becomes rs1, the old rs1 becomes rs2. */
  static PeerRecord next(
      Optional<PeerRecord> old, DeviceId device, Secret newRs, Verification verification) {
    Optional<Secret> rs2 = old.map(PeerRecord::rs1);
    return new PeerRecord(device, newRs, rs2, verification == Verification.VERIFIED);
  }
}
