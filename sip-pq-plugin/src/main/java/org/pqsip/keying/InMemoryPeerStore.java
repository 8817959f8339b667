package org.pqsip.keying;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link PeerStore} that forgets everything when the process ends. Thread-safe. */
public final class InMemoryPeerStore implements PeerStore {
  private final Map<DeviceId, PeerRecord> devices = new ConcurrentHashMap<>();
  private final Set<String> pqCapable = ConcurrentHashMap.newKeySet();

  @Override
  public Optional<PeerRecord> device(DeviceId device) {
    return Optional.ofNullable(devices.get(device));
  }

  @Override
  public void putDevice(PeerRecord record) {
    devices.put(record.device(), record);
  }

  @Override
  public boolean isPqCapable(String peerKey) {
    return pqCapable.contains(peerKey);
  }

  @Override
  public void markPqCapable(String peerKey) {
    pqCapable.add(peerKey);
  }
}
