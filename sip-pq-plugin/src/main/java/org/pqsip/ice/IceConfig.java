package org.pqsip.ice;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The transport layer's one configuration record: our relays (none: no ICE, media goes to the
 * address in the peer's SDP as before), the shared secret their REST credentials are minted
 * with, the certificate authorities a TLS relay's certificate must come from (none: the JDK's
 * default trust store), and the path policy's timing.
 */
public record IceConfig(List<RelayUri> relays, Optional<byte[]> relaySecret, Optional<Path> relayCa, PathSettings path) {
  public static final IceConfig NONE = new IceConfig(List.of(), Optional.empty(), Optional.empty(), PathSettings.DEFAULTS);

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

  /** The relays reached over TCP or TLS, in the order given: for networks that block UDP. */
  public List<RelayUri> streamRelays() {
    return relays.stream().filter(r -> !r.transport().equals("udp")).toList();
  }

  /** The first relay reachable over UDP: where the NAT probe and server-reflexive candidates come from. */
  public Optional<RelayUri> udpRelay() {
    return relays.stream().filter(r -> r.transport().equals("udp")).findFirst();
  }
}
