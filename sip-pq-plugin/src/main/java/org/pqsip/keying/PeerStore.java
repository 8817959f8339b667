package org.pqsip.keying;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Persistent knowledge about peers, owned by one local identity: retained secrets per peer device
 * (continuity) and which devices each remote party (address-of-record) has used, which tells a
 * new device of a known contact from a new contact and a PQ-capable peer from a legacy one
 * (downgrade detection). Implementations keep it private to the local user (the file-backed one
 * writes mode 0600) and bounded in size.
 */
public interface PeerStore {
  Optional<PeerRecord> device(DeviceId device);

  void putDevice(PeerRecord record);

  /** {@code peerKey} identifies the remote party without a device id, e.g. its SIP AOR. */
  Set<DeviceId> devicesOf(String peerKey);

  /** Remember that {@code peerKey} completed a pqkem exchange from {@code device}. */
  void linkDevice(String peerKey, DeviceId device);

  /** Every device record, for listing to the user. */
  List<PeerRecord> devices();

  /** Drops the record of {@code device} (and its links); true if there was one. */
  boolean forget(DeviceId device);

  /** Whether {@code peerKey} ever completed a pqkem exchange with us. */
  default boolean isPqCapable(String peerKey) {
    return !devicesOf(peerKey).isEmpty();
  }
}
