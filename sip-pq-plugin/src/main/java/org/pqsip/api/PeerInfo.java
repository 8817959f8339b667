package org.pqsip.api;

import java.util.Objects;
import java.util.Optional;

/**
 * A remembered peer device.
 *
 * @param deviceId the device's id (as {@code pq:peers} prints it and {@code forget} takes it)
 * @param trust {@code verified} (SAS confirmed), {@code continuity} (a retained secret proven in
 *     a call) or {@code unproven}
 * @param verifiedAs the identity the SAS was confirmed for, if it was
 */
public record PeerInfo(String deviceId, String trust, Optional<String> verifiedAs) {
  public PeerInfo {
    Objects.requireNonNull(deviceId, "deviceId");
    Objects.requireNonNull(trust, "trust");
    Objects.requireNonNull(verifiedAs, "verifiedAs");
  }
}
