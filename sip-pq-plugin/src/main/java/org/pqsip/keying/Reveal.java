package org.pqsip.keying;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.pqsip.crypto.Hkdf;

/**
 * The offerer's reveal message, sent end-to-end after the answer (in-band in SRTCP or in any SIP
 * body): it opens the SAS commitment, carries the offerer's continuity proofs and confirms the
 * offerer's keys with a MAC. Fixed 82 bytes:
 * {@code 0x01 ‖ flags ‖ nonce(32) ‖ proof1(16) ‖ proof2(16) ‖ mac(16)}.
 */
final class Reveal {
  static final int VERSION = 1;
  static final int NONCE_BYTES = 32;
  static final int MAC_BYTES = 16;
  static final int LENGTH = 2 + NONCE_BYTES + 2 * KemAnswer.PROOF_BYTES + MAC_BYTES;
  private static final int BODY = LENGTH - MAC_BYTES;

  record Parsed(byte[] nonce, List<byte[]> proofs) {}

  private Reveal() {}

  static byte[] encode(byte[] nonce, List<byte[]> proofs, KeySchedule keys) {
    byte[] out = new byte[LENGTH];
    out[0] = VERSION;
    out[1] = (byte) ((proofs.size() > 0 ? 1 : 0) | (proofs.size() > 1 ? 2 : 0));
    System.arraycopy(nonce, 0, out, 2, NONCE_BYTES);
    for (int i = 0; i < proofs.size(); i++) {
      System.arraycopy(proofs.get(i), 0, out, 2 + NONCE_BYTES + i * 16, 16);
    }
    System.arraycopy(keys.revealMac(out, BODY), 0, out, BODY, MAC_BYTES);
    return out;
  }

  static Parsed decode(byte[] msg, KeySchedule keys) throws KeyingException {
    if (msg.length != LENGTH || msg[0] != VERSION || (msg[1] & ~3) != 0 || msg[1] == 2) {
      throw new KeyingException(KeyingException.Reason.REVEAL_INVALID, "reveal message malformed");
    }
    byte[] mac = Arrays.copyOfRange(msg, BODY, LENGTH);
    if (!Hkdf.constantTimeEquals(mac, keys.revealMac(msg, BODY))) {
      throw new KeyingException(
          KeyingException.Reason.REVEAL_INVALID, "reveal message failed key confirmation");
    }
    List<byte[]> proofs = new ArrayList<>(2);
    for (int i = 0; i < 2; i++) {
      if ((msg[1] & (1 << i)) != 0) {
        int off = 2 + NONCE_BYTES + i * 16;
        proofs.add(Arrays.copyOfRange(msg, off, off + 16));
      }
    }
    return new Parsed(Arrays.copyOfRange(msg, 2, 2 + NONCE_BYTES), proofs);
  }
}
