package org.pqsip.keying;

import java.util.Optional;
import org.pqsip.crypto.Secret;

/**
 * What we remember about one peer device: the current retained secret, the last one the peer
 * proved (rs2), whether a user confirmed the SAS with it, whether the peer has ever proved a
 * retained secret at all ({@code proven}: until it has, it may never have stored one, so a call
 * without proofs from an unverified device is {@code new-peer}, not {@code mismatch}), and the
 * identity (address-of-record) the user verified it as.
 */
public record PeerRecord(
    DeviceId device,
    Secret rs1,
    Optional<Secret> rs2,
    boolean verified,
    boolean proven,
    Optional<String> identity) {

  public PeerRecord {
    if (rs1.length() != RETAINED_BYTES || rs2.map(s -> s.length() != RETAINED_BYTES).orElse(false)) {
      throw new IllegalArgumentException("retained secrets are " + RETAINED_BYTES + " bytes");
    }
  }

  /** Length of a retained secret. */
  public static final int RETAINED_BYTES = 32;

  public PeerRecord(DeviceId device, Secret rs1, Optional<Secret> rs2, boolean verified, boolean proven) {
    this(device, rs1, rs2, verified, proven, Optional.empty());
  }

  public PeerRecord withVerified(boolean v, Optional<String> as) {
    return new PeerRecord(device, rs1, rs2, v, proven, v ? as : Optional.empty());
  }
}
