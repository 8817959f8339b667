package org.pqsip.keying;

import java.util.Optional;
import org.pqsip.crypto.Secret;

/**
 * What we remember about one peer device: the current and the previous retained secret (the
 * previous one covers a call that ended before the peer could store the new one) and whether a
 * user confirmed the SAS with it.
 */
public record PeerRecord(DeviceId device, Secret rs1, Optional<Secret> rs2, boolean verified) {
  public PeerRecord withVerified(boolean v) {
    return new PeerRecord(device, rs1, rs2, v);
  }
}
