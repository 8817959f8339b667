package org.pqsip.keying;

/**
 * Who is on the other end, as far as keys can tell. Shown on every call.
 *
 * <ul>
 *   <li>{@code verified}: same device as a previous call whose SAS the user confirmed.
 *   <li>{@code continuity}: same device as last time (it proved the retained secret).
 *   <li>{@code new-peer}: no shared history with that device; compare the SAS.
 *   <li>{@code mismatch}: we hold a retained secret for that device and it failed to prove it:
 *       a man-in-the-middle or a reset device. Loud warning.
 *   <li>{@code downgrade}: a peer known to be PQ-capable answered without PQ.
 *   <li>{@code none}: no PQ on this call and no history that says there should be.
 * </ul>
 */
public enum Verification {
  VERIFIED("verified"),
  CONTINUITY("continuity"),
  NEW_PEER("new-peer"),
  MISMATCH("mismatch"),
  DOWNGRADE("downgrade"),
  NONE("none");

  private final String wireName;

  Verification(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  /** States that must be shown to the user as a warning. */
  public boolean isWarning() {
    return this == MISMATCH || this == DOWNGRADE;
  }
}
