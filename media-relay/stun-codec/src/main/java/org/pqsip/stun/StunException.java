package org.pqsip.stun;

/**
 * Bytes that are not a valid STUN message or ChannelData frame: the one error type of the
 * decoders. The relay drops such input silently (and counts it); it never answers garbage.
 */
public final class StunException extends Exception {
  private static final long serialVersionUID = 1L;

  public StunException(String message) {
    super(message, null, false, false); // no stack trace: thrown for attacker-controlled input
  }
}
