package org.pqsip.keying;

import java.util.Locale;

/** Per-account media security policy (DESIGN.md §2). */
public enum Policy {
  /** RTP/SAVP with pqkem only; anything else is refused with 488. */
  REQUIRE,
  /** Offer pqkem (and SDES if configured); accept what the peer can do and say what it was. */
  PREFER,
  /** No pqkem; SDES if configured, else plain RTP. */
  OFF;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Policy parse(String s) {
    return valueOf(s.trim().toUpperCase(Locale.ROOT));
  }
}
