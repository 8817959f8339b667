package org.pqsip.ice;

import java.util.List;
import java.util.Optional;

/**
 * The transport layer's one configuration record: our relays (none: no ICE, media goes to the
 * address in the peer's SDP as before), the shared secret their REST credentials are minted
 * with, and the path policy's timing.
 */
public record IceConfig(List<RelayUri> relays, Optional<byte[]> relaySecret, PathSettings path) {
  public static final IceConfig NONE = new IceConfig(List.of(), Optional.empty(), PathSettings.DEFAULTS);

  public IceConfig {
    relays = List.copyOf(relays);
    relaySecret = relaySecret.map(byte[]::clone);
    if (relaySecret.isPresent() && relaySecret.get().length < 16) {
      throw new IllegalArgumentException("--relay-secret must be at least 16 bytes");
    }
  }

  /** Whether calls use ICE (a relay is configured). */
  public boolean enabled() {
    return !relays.isEmpty();
  }

  /** The first relay reachable over UDP: where the NAT probe and server-reflexive candidates come from. */
  public Optional<RelayUri> udpRelay() {
    return relays.stream().filter(r -> r.transport().equals("udp")).findFirst();
  }
}
