package org.pqsip.keying;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.pqsip.crypto.Hkdf;
import org.pqsip.crypto.Secret;

/**
 * Retained-secret continuity (docs/PROTOCOL.md §5.4), in the manner of ZRTP's rs1/rs2: each side
 * proves possession of its two newest secrets for the peer device, bound to this call's
 * transcript; the verifier accepts a proof made with any secret of its window (rs1, rs2 and a
 * few older ones, so calls that overlap and end in a different order on each side still agree).
 *
 * <p>Rules that an attacker on the signalling path must not be able to bend: a device that was
 * verified or has proven a secret before and proves none now is {@code mismatch}; a mismatch
 * never overwrites what we hold; a new device id for a contact whose devices we know is
 * {@code new-device}, not {@code new-peer}; only the user raises {@code verified}.
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

  /**
   * @param knownDevices the devices the remote party (its address-of-record) used before
   */
  static Result evaluate(
      DeviceId device,
      Optional<PeerRecord> record,
      List<byte[]> peerProofs,
      Role peerRole,
      byte[] th,
      java.util.Set<DeviceId> knownDevices) {
    if (record.isEmpty()) {
      // Known devices that include this one: another call with it committed while this one was
      // being set up (two calls at once), not a different device.
      boolean other = !knownDevices.isEmpty() && !knownDevices.contains(device);
      return new Result(other ? Verification.NEW_DEVICE : Verification.NEW_PEER, Optional.empty());
    }
    PeerRecord r = record.get();
    Optional<Secret> matched = Optional.empty();
    List<Secret> accepted = new ArrayList<>();
    accepted.add(r.rs1());
    r.rs2().ifPresent(accepted::add);
    accepted.addAll(r.older());
    for (Secret rs : accepted) {
      if (matches(rs, peerProofs, peerRole, th)) {
        matched = Optional.of(rs);
        break;
      }
    }
    if (matched.isEmpty()) {
      // Only a device that never proved anything and was never verified may come back without
      // proofs as new: its first call may have ended before it stored a secret.
      boolean neverProven = !r.proven() && !r.verified() && peerProofs.isEmpty();
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
   * The record after a confirmed call that was not a mismatch: the new secret becomes rs1; rs2
   * becomes the secret the peer proved in this call (the last one known to be shared), or the
   * old rs1 if it proved none. Keeping the last proven secret, not blindly the previous rs1,
   * means a peer that missed any number of updates in a row (calls that ended before the reveal
   * arrived) still proves rs2. {@code verified} and the verified identity carry over unchanged:
   * only the user raises them ({@link PqCall#markSasVerified}).
   */
  static PeerRecord next(Optional<PeerRecord> old, DeviceId device, Secret newRs, Optional<Secret> matched) {
    Optional<Secret> rs2 = matched.isPresent() ? matched : old.map(PeerRecord::rs1);
    boolean proven = matched.isPresent() || old.map(PeerRecord::proven).orElse(false);
    // The secrets the old record held (newest first) stay acceptable for a few more calls.
    List<Secret> older = new ArrayList<>();
    old.ifPresent(r -> {
      older.add(r.rs1());
      r.rs2().ifPresent(older::add);
      older.addAll(r.older());
    });
    older.removeIf(s -> s.contentEquals(newRs) || rs2.map(s::contentEquals).orElse(false));
    List<Secret> distinct = new ArrayList<>();
    for (Secret s : older) {
      if (distinct.size() < PeerRecord.OLDER_KEPT && distinct.stream().noneMatch(s::contentEquals)) {
        distinct.add(s);
      }
    }
    return new PeerRecord(
        device, newRs, rs2, distinct, old.map(PeerRecord::verified).orElse(false), proven,
        old.flatMap(PeerRecord::identity));
  }
}
