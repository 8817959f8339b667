package org.pqsip.srtp;

import org.pqsip.crypto.Secret;

/**
 * One SRTP master key and master salt for one direction of one media stream, with its suite.
 * Owns both secrets: {@link #destroy()} wipes them.
 */
public record SrtpMasterKey(SrtpSuite suite, Secret key, Secret salt) {
  public SrtpMasterKey {
    if (key.length() != suite.keyLength() || salt.length() != suite.saltLength()) {
      throw new IllegalArgumentException("key or salt length does not match " + suite);
    }
  }

  public void destroy() {
    key.destroy();
    salt.destroy();
  }

  @Override
  public String toString() {
    return "SrtpMasterKey[" + suite + "]";
  }
}
