package org.pqsip.relay.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The relay's {@code .cfg} keys: each mirrors the {@code ./pq relay} option of the same name
 * (camel case instead of dashes). The shared secret is read from a file, never put in a
 * {@code .cfg}.
 */
@ObjectClassDefinition(
    name = "PQ media relay",
    description = "A STUN/TURN relay that forwards ciphertext, holds no keys and keeps no call metadata.")
public @interface RelayComponentConfig {
  @AttributeDefinition(description = "Listening addresses, udp|tcp|tls:HOST:PORT (comma separated).")
  String[] listen();

  @AttributeDefinition(description = "The realm of the long-term credentials.")
  String realm();

  @AttributeDefinition(description = "File holding the shared secret of the REST credentials.")
  String authSecretFile();

  @AttributeDefinition(description = "Address relayed ports bind to (default: the first listen address).", required = false)
  String relayIp() default "";

  @AttributeDefinition(description = "Relayed port range, LOW-HIGH.")
  String relayPorts() default "61000-61999";

  @AttributeDefinition(description = "Peer networks allowed although private or loopback (CIDR, comma separated).",
      required = false)
  String[] allowPeer() default {};

  @AttributeDefinition(description = "Event loops (0: one per core).")
  int threads() default 0;

  @AttributeDefinition(description = "Total allocations.")
  int maxAllocations() default 10000;

  @AttributeDefinition(description = "Allocations per username.")
  int maxPerUser() default 10;

  @AttributeDefinition(description = "Unauthenticated requests per second per source.")
  int unauthRate() default 50;

  @AttributeDefinition(description = "Receive/send buffer per UDP listener, bytes.")
  int udpBuffer() default 4194304;

  @AttributeDefinition(description = "auto, batched or plain UDP system calls.")
  String udpIo() default "auto";

  @AttributeDefinition(description = "TLS certificate chain (PEM) for tls: listeners.", required = false)
  String cert() default "";

  @AttributeDefinition(description = "TLS private key (PKCS#8 PEM) for tls: listeners.", required = false)
  String key() default "";
}
