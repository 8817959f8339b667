package org.pqsip.ice;

/**
 * ice4j's configuration is one process-wide set of properties read when its first Agent is
 * created: this is the only place that sets them, once, before any Agent exists. What they
 * enforce is our privacy promise (nothing leaves the machine but the call):
 * <ul>
 *   <li>no cloud metadata look-up (ice4j otherwise asks 169.254.169.254 on first use);
 *   <li>no SOFTWARE attribute naming the stack in every STUN message;
 *   <li>no public STUN servers, no IPv6 or link-local harvest (literal relays only, from our
 *       own configuration);
 *   <li>checks and answers kept alive for every succeeded pair for the whole call, so a path we
 *       are not using stays ready as a standby;
 *   <li>its logging off: ice4j writes addresses into warnings ("Connector died: 203.0.113.10:…"),
 *       and the phone never logs an address. What matters reaches the user as call events.
 * </ul>
 */
final class Ice4jSettings {
  private static boolean applied;
  /** Held so the level set on them is not lost when java.util.logging drops unused loggers. */
  private static final java.util.logging.Logger[] SILENCED = {
      java.util.logging.Logger.getLogger("org.ice4j"), java.util.logging.Logger.getLogger("org.jitsi")};

  private Ice4jSettings() {}

  static synchronized void apply() {
    if (applied) {
      return;
    }
    System.setProperty("ice4j.harvest.mapping.aws.enabled", "false");
    System.setProperty("ice4j.software", "");
    System.setProperty("ice4j.harvest.use-ipv6", "false");
    System.setProperty("ice4j.harvest.use-link-local-addresses", "false");
    System.setProperty("ice4j.redact-remote-addresses", "true");
    System.setProperty("ice4j.harvest.timeout", "3 seconds");
    // Keep-alives are consent checks (RFC 7675) on every succeeded pair, four a second instead of
    // one per 5 s: their answers tell the path policy which paths still work (a left P2P path
    // is taken back after a second of answers), at ~100 bytes per check. A pair fails after
    // 15 s without an answer, so a path that comes back within that is found again.
    System.setProperty("ice4j.consent-freshness.interval", "250 ms");
    System.setProperty("ice4j.consent-freshness.original-wait-interval", "250 ms");
    System.setProperty("ice4j.consent-freshness.max-wait-interval", "250 ms");
    System.setProperty("ice4j.consent-freshness.max-retransmissions", "60");
    for (java.util.logging.Logger l : SILENCED) {
      l.setLevel(java.util.logging.Level.OFF);
    }
    applied = true;
  }

  /**
   * A new Agent, created with ice4j's own class loader as the thread's context class loader:
   * ice4j reads its {@code reference.conf} through that loader when the first Agent loads its
   * configuration, and in an OSGi framework the caller's (a SIP stack thread's) cannot see it.
   * On a plain class path it is the same loader.
   */
  static org.ice4j.ice.Agent newAgent() {
    apply();
    Thread t = Thread.currentThread();
    ClassLoader before = t.getContextClassLoader();
    t.setContextClassLoader(org.ice4j.ice.Agent.class.getClassLoader());
    try {
      return new org.ice4j.ice.Agent();
    } finally {
      t.setContextClassLoader(before);
    }
  }
}
