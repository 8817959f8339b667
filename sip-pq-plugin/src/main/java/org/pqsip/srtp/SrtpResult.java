package org.pqsip.srtp;

/** The outcome of protecting or unprotecting one packet. */
public enum SrtpResult {
  OK,
  /** Authentication tag did not verify: tampered, wrong key, or not ours. */
  AUTH_FAILED,
  /** Sequence number already seen or too old: a replay. */
  REPLAYED,
  /** Too short or otherwise not an SRTP/SRTCP packet. */
  INVALID,
  /** A new SSRC would exceed the per-stream limit. */
  TOO_MANY_SSRCS
}
