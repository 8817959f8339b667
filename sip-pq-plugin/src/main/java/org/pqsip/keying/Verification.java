package org.pqsip.keying;

/**
 * Who is on the other end, as far as keys can tell. Shown on every call.
 *
 * <ul>
 *   <li>{@code verified}: same device as a previous call whose SAS the user confirmed.
 *   <li>{@code continuity}: same device as last time (it proved the retained secret).
 *   <li>{@code new-peer}: no shared history with that device nor with that contact; compare the SAS.
 *   <li>{@code new-device}: a device we never met, for a contact whose other devices we know:
 *       a new phone, or a man in the middle with a fresh device id. Loud warning.
 *   <li>{@code mismatch}: we hold a retained secret for that device and it failed to prove it:
 *       a man-in-the-middle or a reset device. Loud warning.
 *   <li>{@code downgrade}: a peer known to be PQ-capable answered without PQ.
 *   <li>{@code unconfirmed}: the answerer never received the offerer's reveal, so neither the
 *       offerer's keys nor the SAS are confirmed. Warning.
 *   <li>{@code none}: no PQ on this call and no history that says there should be.
 * </ul>
 */
public enum Verification {
  VERIFIED("verified"),
  CONTINUITY("continuity"),
  NEW_PEER("new-peer"),
  NEW_DEVICE("new-device"),
  MISMATCH("mismatch"),
  DOWNGRADE("downgrade"),
  UNCONFIRMED("unconfirmed"),
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
    return this == MISMATCH || this == DOWNGRADE || this == NEW_DEVICE || this == UNCONFIRMED;
  }
}
