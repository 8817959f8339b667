package org.pqsip.negotiation;

import org.pqsip.srtp.SrtpMasterKey;

/** The SRTP keys of one m-line: what we send with and what the peer sends with. */
public record MediaKeys(int mline, SrtpMasterKey tx, SrtpMasterKey rx) {
  public void destroy() {
    tx.destroy();
    rx.destroy();
  }
}
