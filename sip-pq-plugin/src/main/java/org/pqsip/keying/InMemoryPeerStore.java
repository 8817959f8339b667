package org.pqsip.keying;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link PeerStore} that forgets everything when the process ends. Thread-safe. */
public final class InMemoryPeerStore implements PeerStore {
  private final Map<DeviceId, PeerRecord> devices = new ConcurrentHashMap<>();
  private final Map<String, Set<DeviceId>> links = new ConcurrentHashMap<>();

  @Override
  public Optional<PeerRecord> device(DeviceId device) {
    return Optional.ofNullable(devices.get(device));
  }

  @Override
  public void putDevice(PeerRecord record) {
    devices.put(record.device(), record);
  }

  @Override
  public synchronized Set<DeviceId> devicesOf(String peerKey) {
    return Set.copyOf(links.getOrDefault(peerKey, Set.of()));
  }

  @Override
  public synchronized void linkDevice(String peerKey, DeviceId device) {
    links.computeIfAbsent(peerKey, k -> new HashSet<>()).add(device);
  }

  @Override
  public List<PeerRecord> devices() {
    return List.copyOf(devices.values());
  }

  @Override
  public synchronized boolean forget(DeviceId device) {
    links.values().forEach(s -> s.remove(device));
    return devices.remove(device) != null;
  }
}
