package org.pqsip.keying;

import java.util.Optional;
import org.pqsip.crypto.Secret;

/**
 * What we remember about one peer device: the current retained secret, the last one the peer
 * proved (rs2), whether a user confirmed the SAS with it, and whether the peer has ever proved
 * a retained secret at all ({@code proven}): until it has, it may never have stored one (its
 * first call ended before the reveal arrived), so a call without proofs is {@code new-peer},
 * not {@code mismatch}.
 */
public record PeerRecord(DeviceId device, Secret rs1, Optional<Secret> rs2, boolean verified, boolean proven) {
  public PeerRecord withVerified(boolean v) {
    return new PeerRecord(device, rs1, rs2, v, proven);
  }
}
