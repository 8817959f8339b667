package org.pqsip.api;

import java.util.Objects;
import java.util.Optional;

/**
 * One call as an admin sees it: no addresses, names or Call-IDs; {@code id} is the phone's local
 * call number.
 *
 * @param state {@code ringing}, {@code established}
 * @param role {@code caller} or {@code callee}
 * @param security {@code pq}, {@code sdes} or {@code none} once known
 * @param kem e.g. {@code ML-KEM-1024+X25519}
 * @param srtp the SRTP profile
 * @param sas the short authentication string both ends show
 * @param verification {@code verified}, {@code continuity}, {@code new-peer}, a warning, ...
 * @param path {@code direct}, {@code p2p} or {@code relay}
 */
public record CallInfo(
    int id,
    String state,
    Optional<String> role,
    Optional<String> security,
    Optional<String> kem,
    Optional<String> srtp,
    Optional<String> sas,
    Optional<String> verification,
    Optional<String> path) {
  public CallInfo {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(security, "security");
    Objects.requireNonNull(kem, "kem");
    Objects.requireNonNull(srtp, "srtp");
    Objects.requireNonNull(sas, "sas");
    Objects.requireNonNull(verification, "verification");
    Objects.requireNonNull(path, "path");
  }
}
