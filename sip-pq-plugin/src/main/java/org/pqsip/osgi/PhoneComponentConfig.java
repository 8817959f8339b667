package org.pqsip.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The phone's {@code .cfg} keys (metatype, so consoles can show and check them). Each mirrors the
 * {@code ./pq phone} option of the same name; secrets are read from files, never put in a
 * {@code .cfg}.
 */
@ObjectClassDefinition(
    name = "PQ phone",
    description = "A SIP user agent whose SRTP keys come from ML-KEM-1024 + X25519 in the SDP offer/answer.")
public @interface PhoneComponentConfig {
  @AttributeDefinition(description = "Where SIP listens: tcp:HOST:PORT (UDP and TCP) or tls:HOST:PORT (TLS only).")
  String sip() default "tcp:127.0.0.1:5070";

  @AttributeDefinition(description = "Our address-of-record, e.g. sip:pbx-site-a@example.org.")
  String user();

  @AttributeDefinition(description = "Media security: require (pqkem only), prefer (pqkem, else SDES/none), off.")
  String policy() default "require";

  @AttributeDefinition(description = "Also offer/accept SDES for legacy phones (policy prefer/off; needs TLS).")
  boolean sdes() default false;

  @AttributeDefinition(description = "Media address and RTP port range, IP:LOW-HIGH.")
  String media() default "127.0.0.1:40000-40999";

  @AttributeDefinition(description = "Preferred codec: PCMU or PCMA.")
  String codec() default "PCMU";

  @AttributeDefinition(description = "Sine tone sent on calls, in Hz (test calls from the shell).")
  double tone() default 440;

  @AttributeDefinition(description = "A 16-bit 8 kHz mono WAV file to send instead of the tone.", required = false)
  String play() default "";

  @AttributeDefinition(description = "Record received audio to this WAV file (per call, overwritten).", required = false)
  String record() default "";

  @AttributeDefinition(description = "Outbound proxy for every request, HOST:PORT/TRANSPORT.", required = false)
  String proxy() default "";

  @AttributeDefinition(description = "Register with the registrar at proxy.")
  boolean register() default false;

  @AttributeDefinition(description = "Answer incoming calls at once.")
  boolean autoAnswer() default false;

  @AttributeDefinition(description = "Our TLS certificate chain (PEM), for sip=tls:...", required = false)
  String tlsCert() default "";

  @AttributeDefinition(description = "Our TLS private key (PEM, PKCS#8), for sip=tls:...", required = false)
  String tlsKey() default "";

  @AttributeDefinition(description = "Certificate authorities accepted for TLS peers (PEM); default the JDK's.",
      required = false)
  String tlsCa() default "";

  @AttributeDefinition(description = "Our STUN/TURN relays, turn:HOST:PORT[?transport=udp|tcp|tls].", required = false)
  String[] relays() default {};

  @AttributeDefinition(description = "File holding the relays' shared secret.", required = false)
  String relaySecretFile() default "";

  @AttributeDefinition(description = "Certificate authorities a TLS relay must chain to (PEM).", required = false)
  String relayCa() default "";

  @AttributeDefinition(description = "How long P2P may take before the relay pair is chosen, e.g. 800ms.")
  String p2pWindow() default "800ms";

  @AttributeDefinition(description = "Where the device id and retained secrets live (relative: to the working directory).")
  String stateDir() default "pqsip-state";
}
