package org.pqsip.keying;

import java.util.Optional;

/**
 * Persistent knowledge about peers, owned by one local identity: retained secrets per peer device
 * (continuity) and which peers have spoken PQ before (downgrade detection). Implementations must
 * keep it private to the local user (the file-backed one writes mode 0600).
 */
public interface PeerStore {
  Optional<PeerRecord> device(DeviceId device);

  void putDevice(PeerRecord record);

  /** {@code peerKey} identifies the remote party without a device id, e.g. its SIP AOR. */
  boolean isPqCapable(String peerKey);

  void markPqCapable(String peerKey);
}
