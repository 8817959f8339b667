package org.pqsip.api;

import java.util.Objects;

/**
 * What {@code pq:gateway} shows first: aggregate counts only.
 *
 * @param trunkPolicy the trunk side's policy ({@code require} or {@code prefer})
 * @param lanPolicy the LAN side's policy
 * @param activeCalls calls being set up or bridged now
 * @param placed calls placed on the other side since start
 * @param bridged calls with both legs up since start
 * @param refused calls the far side refused since start
 * @param noRoute calls refused for want of a route since start
 */
public record GatewayStatus(String trunkPolicy, String lanPolicy, int activeCalls, long placed, long bridged,
    long refused, long noRoute) {
  public GatewayStatus {
    Objects.requireNonNull(trunkPolicy, "trunkPolicy");
    Objects.requireNonNull(lanPolicy, "lanPolicy");
  }

  /** The counts as one line, e.g. {@code 1 now; 5 placed, 4 bridged, 1 refused by the far side, 0 without a route}. */
  public String counts() {
    return activeCalls + " now; " + placed + " placed, " + bridged + " bridged, " + refused + " refused by the far side, "
        + noRoute + " without a route";
  }
}
