package org.pqsip.keying;

/** Which side of the SDP offer/answer exchange a party is on; it names key directions. */
public enum Role {
  OFFERER,
  ANSWERER;

  public Role peer() {
    return this == OFFERER ? ANSWERER : OFFERER;
  }

  String label() {
    return this == OFFERER ? "offerer" : "answerer";
  }
}
