package org.pqsip.api;

import java.util.List;

/**
 * The service a running PQ trunk gateway offers (the admin shell's {@code pq:gateway}): its
 * counts, the calls it bridges now with their trunk leg's SAS, and the admin's confirmation that
 * a trunk SAS matched the far site's. Nothing here carries an address, a number, a user name, a
 * Call-ID or key material.
 */
public interface PqGateway {
  GatewayStatus status();

  /** The calls being bridged now, oldest first. */
  List<TrunkCallInfo> calls();

  /**
   * The admins of both sites read the same SAS for gateway call {@code call}: the far gateway is
   * remembered as verified. False when there is no such call.
   */
  boolean verifyTrunk(int call);
}
