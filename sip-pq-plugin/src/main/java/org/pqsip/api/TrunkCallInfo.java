package org.pqsip.api;

import java.util.Objects;
import java.util.Optional;

/**
 * One call a gateway bridges, as {@code pq:gateway} lists it: its trunk leg's security.
 *
 * @param id the gateway's call number ({@code pq:gateway verify ID})
 * @param direction {@code to-trunk} (from this site) or {@code from-trunk}
 * @param security the trunk leg's: {@code pq}, or {@code sdes}/{@code none} under policy prefer
 * @param sas the trunk leg's SAS, to compare with the far site's admin
 * @param verification e.g. {@code new-peer}, {@code continuity}, {@code verified}, {@code mismatch}
 */
public record TrunkCallInfo(int id, String direction, String security, Optional<String> sas, String verification) {
  public TrunkCallInfo {
    Objects.requireNonNull(direction, "direction");
    Objects.requireNonNull(security, "security");
    Objects.requireNonNull(sas, "sas");
    Objects.requireNonNull(verification, "verification");
  }
}
