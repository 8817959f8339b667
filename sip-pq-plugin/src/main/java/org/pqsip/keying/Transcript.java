package org.pqsip.keying;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import org.pqsip.crypto.Hkdf;
import org.pqsip.srtp.SrtpSuite;

/**
 * The transcript hash {@code th}: SHA-384 over everything both sides must agree on before any
 * key is used (docs/PROTOCOL.md §4.1). Each field is length-prefixed (4 bytes, big-endian), so no
 * two different transcripts encode to the same bytes. The offer's suite list is bound as sent
 * (its text), not as we parsed it. The chain fields exist only in in-dialog exchanges, so the
 * transcript of a first exchange is unchanged by them. The answer's confirm MAC and continuity
 * proofs are computed over {@code th} and are therefore not part of it.
 */
final class Transcript {
  static final String LABEL = "pqsip-v1 transcript";
  static final String VERSION = "1";

  private Transcript() {}

  static byte[] hash(KemOffer offer, KemAnswer answer) {
    return hash(offer, answer.blob(), answer.device(), answer.srtpSuite(), answer.chain());
  }

  static byte[] hash(
      KemOffer offer, byte[] answerBlob, DeviceId answerDevice, SrtpSuite suite, Optional<byte[]> answerChain) {
    MessageDigest out = Hkdf.sha384();
    out.update(LABEL.getBytes(StandardCharsets.US_ASCII));
    field(out, ascii(VERSION));
    field(out, ascii(offer.algorithm().wireName()));
    field(out, offer.blob());
    field(out, offer.device().bytes());
    field(out, offer.commit());
    field(out, ascii(offer.srtpText()));
    field(out, answerBlob);
    field(out, answerDevice.bytes());
    field(out, ascii(suite.wireName()));
    if (offer.chain().isPresent()) {
      field(out, ascii("chain-offer"));
      field(out, offer.chain().get());
    }
    if (answerChain.isPresent()) {
      field(out, ascii("chain-answer"));
      field(out, answerChain.get());
    }
    return out.digest();
  }

  private static void field(MessageDigest out, byte[] value) {
    int n = value.length;
    out.update(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
    out.update(value);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
