package org.pqsip.keying;

import java.util.List;
import java.util.Optional;
import org.pqsip.crypto.Secret;

/**
 * What we remember about one peer device: the current retained secret, the last one the peer
 * proved (rs2), a few older secrets still accepted as proof ({@code older}: calls with the same
 * device that overlapped end in a different order on each side, so each side's newest two may
 * differ; the secrets of those calls are in both windows), whether a user confirmed the SAS with
 * it, whether the peer has ever proved a retained secret at all ({@code proven}: until it has,
 * it may never have stored one, so a call without proofs from an unverified device is
 * {@code new-peer}, not {@code mismatch}), and the identity the user verified it as.
 */
public record PeerRecord(
    DeviceId device,
    Secret rs1,
    Optional<Secret> rs2,
    List<Secret> older,
    boolean verified,
    boolean proven,
    Optional<String> identity) {

  /** Length of a retained secret. */
  public static final int RETAINED_BYTES = 32;
  /** How many secrets beyond rs1 and rs2 are still accepted as proof. */
  public static final int OLDER_KEPT = 16;

  public PeerRecord {
    older = List.copyOf(older);
    if (rs1.length() != RETAINED_BYTES || rs2.map(s -> s.length() != RETAINED_BYTES).orElse(false)
        || older.stream().anyMatch(s -> s.length() != RETAINED_BYTES)) {
      throw new IllegalArgumentException("retained secrets are " + RETAINED_BYTES + " bytes");
    }
    if (older.size() > OLDER_KEPT) {
      throw new IllegalArgumentException("at most " + OLDER_KEPT + " older retained secrets");
    }
  }

  public PeerRecord(DeviceId device, Secret rs1, Optional<Secret> rs2, boolean verified, boolean proven, Optional<String> identity) {
    this(device, rs1, rs2, List.of(), verified, proven, identity);
  }

  public PeerRecord(DeviceId device, Secret rs1, Optional<Secret> rs2, boolean verified, boolean proven) {
    this(device, rs1, rs2, List.of(), verified, proven, Optional.empty());
  }

  public PeerRecord withVerified(boolean v, Optional<String> as) {
    return new PeerRecord(device, rs1, rs2, older, v, proven, v ? as : Optional.empty());
  }
}
