package org.pqsip.sdp;

/** An SDP body that cannot be parsed (RFC 8866 syntax). Checked: callers answer 400/488. */
public final class SdpException extends Exception {
  private static final long serialVersionUID = 1L;

  public SdpException(String message) {
    super(message);
  }
}
