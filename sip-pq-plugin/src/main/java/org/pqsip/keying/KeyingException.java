package org.pqsip.keying;

/**
 * Every way keying can fail, as one checked type with a stable reason. Callers map it to a SIP
 * response (488 under policy {@code require}) or to "continue without PQ" under {@code prefer};
 * nothing here is an unchecked exception that could escape into a SIP stack.
 */
public final class KeyingException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Stable reason codes; {@link #code()} gives the wire/log form, e.g. {@code pqkem-bad-base64}. */
  public enum Reason {
    MALFORMED_ATTRIBUTE,
    BAD_BASE64,
    BAD_LENGTH,
    INVALID_PUBLIC_KEY,
    DUPLICATE_ATTRIBUTE,
    UNSUPPORTED,
    NO_COMMON_SUITE,
    CONFIRMATION_FAILED,
    REVEAL_INVALID,
    COMMITMENT_MISMATCH,
    PQ_REQUIRED,
    CONTINUITY_MISMATCH,
    WRONG_STATE,
    /** An in-dialog offer or answer would lower the dialog's security: refused, keys kept. */
    DOWNGRADE_REFUSED,
    /** The peer presented our own device id (a reflected offer or answer). */
    REFLECTION,
    /** Too many re-offers in one dialog. */
    RATE_LIMITED
  }

  private final Reason reason;

  public KeyingException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  public String code() {
    return "pqkem-" + reason.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }

  @Override
  public String toString() {
    return code() + ": " + getMessage();
  }
}
