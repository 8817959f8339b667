package org.pqsip.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The trunk gateway's {@code .cfg} keys: the gateway's own configuration file (the one
 * {@code ./pq gateway --config} reads: sides and routes in one place, one parser), and where its
 * state lives.
 */
@ObjectClassDefinition(
    name = "PQ trunk gateway",
    description = "A back-to-back SIP user agent: calls between sites leave this site keyed with ML-KEM-1024 + X25519.")
public @interface GatewayComponentConfig {
  @AttributeDefinition(description = "The gateway's configuration file (see sip-pq-plugin/dist/gateway.conf).")
  String file();

  @AttributeDefinition(description = "Overrides the file's state-dir (the far gateways remembered).", required = false)
  String stateDir() default "";
}
