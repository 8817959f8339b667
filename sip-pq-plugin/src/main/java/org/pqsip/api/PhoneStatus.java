package org.pqsip.api;

import java.util.Objects;
import java.util.Optional;

/**
 * What {@code pq:status} shows.
 *
 * @param version the plugin's version
 * @param protocol the keying protocol and its version, e.g. {@code pqkem/1}
 * @param policy {@code require}, {@code prefer} or {@code off}
 * @param sdes whether SDES is offered/accepted for legacy phones
 * @param transport the SIP transport ({@code udp+tcp} or {@code tls})
 * @param registration {@code registered}, {@code failed}, {@code pending} or {@code off}
 * @param relay {@code none} (no relay configured), {@code answered} or {@code unreachable}
 * @param nat the NAT class the relay saw, if it answered
 * @param activeCalls calls not yet ended
 */
public record PhoneStatus(
    String version,
    String protocol,
    String policy,
    boolean sdes,
    String transport,
    String registration,
    String relay,
    Optional<String> nat,
    int activeCalls) {
  public PhoneStatus {
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(protocol, "protocol");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(registration, "registration");
    Objects.requireNonNull(relay, "relay");
    Objects.requireNonNull(nat, "nat");
  }
}
