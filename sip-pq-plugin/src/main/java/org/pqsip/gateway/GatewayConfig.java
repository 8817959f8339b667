package org.pqsip.gateway;

import java.nio.file.Path;
import java.util.Objects;
import org.pqsip.keying.Policy;
import org.pqsip.sip.PhoneConfig;

/**
 * The trunk gateway's one configuration record: its two user agents and its two route tables.
 *
 * @param lan the side of the site's PBX and phones (their policy: {@code prefer} with SDES over
 *     TLS, or {@code off} on a trusted LAN)
 * @param trunk the side of the far gateways ({@code require} by default: pqkem or no call)
 * @param toTrunk where calls from the site go: request URI patterns to the far gateway
 * @param toLan where calls from far gateways go: request URI patterns to the site's PBX
 * @param stateDir the trunk side's remembered peer gateways (continuity, verification)
 * @param registerLan whether the LAN side registers with its proxy (the PBX)
 * @param registerTrunk whether the trunk side registers with its proxy (a carrier that routes the
 *     site's numbers to the gateway wherever it is, e.g. behind a NAT)
 */
public record GatewayConfig(PhoneConfig lan, PhoneConfig trunk, RouteTable toTrunk, RouteTable toLan, Path stateDir,
    boolean registerLan, boolean registerTrunk) {
  public GatewayConfig {
    Objects.requireNonNull(lan, "lan");
    Objects.requireNonNull(trunk, "trunk");
    Objects.requireNonNull(toTrunk, "toTrunk");
    Objects.requireNonNull(toLan, "toLan");
    Objects.requireNonNull(stateDir, "stateDir");
    if (lan.autoAnswer() || trunk.autoAnswer()) {
      throw new IllegalArgumentException("a gateway answers a leg when the other leg is up: no auto-answer");
    }
    if (trunk.keying().policy() == Policy.OFF) {
      throw new IllegalArgumentException("trunk.policy off would send the site's calls between sites unprotected:"
          + " use require (or prefer while a far site has no gateway yet)");
    }
    if ((registerLan && lan.outboundProxy().isEmpty()) || (registerTrunk && trunk.outboundProxy().isEmpty())) {
      throw new IllegalArgumentException("register = true needs the side's proxy (the registrar)");
    }
    if (lan.sipAddress().equals(trunk.sipAddress())) {
      throw new IllegalArgumentException("lan.sip and trunk.sip must differ (one SIP port per side)");
    }
  }
}
