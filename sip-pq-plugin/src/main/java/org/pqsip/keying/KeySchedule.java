package org.pqsip.keying;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import org.pqsip.crypto.Hkdf;
import org.pqsip.crypto.Secret;
import org.pqsip.srtp.SrtpMasterKey;
import org.pqsip.srtp.SrtpSuite;

/**
 * Everything derived from one key exchange (docs/PROTOCOL.md §4.2): PRK = HKDF-Extract(salt = th,
 * IKM), then HKDF-Expand with one distinct label per purpose. Holds the PRK until
 * {@link #destroy()} so that SRTP keys for any m-line can be derived when the media layer asks.
 */
public final class KeySchedule implements AutoCloseable {
  static final String CONFIRM_ANSWERER = "pqsip-v1 confirm answerer";
  static final String CONFIRM_OFFERER = "pqsip-v1 confirm offerer";
  static final String SAS = "pqsip-v1 sas";
  static final String RETAINED = "pqsip-v1 retained secret";
  static final String RS_PROOF = "pqsip-v1 rs proof ";
  static final String REVEAL = "pqsip-v1 reveal";
  static final String CHAIN = "pqsip-v1 chain";
  static final String CHAIN_ID = "pqsip-v1 chain id";
  static final int CHAIN_ID_BYTES = 16;

  private final Hkdf.Prk prk;
  private final byte[] transcriptHash;
  private final SrtpSuite suite;

  private KeySchedule(Hkdf.Prk prk, byte[] transcriptHash, SrtpSuite suite) {
    this.prk = prk;
    this.transcriptHash = transcriptHash;
    this.suite = suite;
  }

  /** Consumes {@code ikm}: it is wiped before this returns. */
  static KeySchedule derive(Secret ikm, byte[] transcriptHash, SrtpSuite suite) {
    try (ikm) {
      return new KeySchedule(Hkdf.extract(transcriptHash, ikm), transcriptHash.clone(), suite);
    }
  }

  /**
   * A chained exchange (docs/PROTOCOL.md §6.1): IKM' = IKM ‖ K_chain, where K_chain is the
   * previous exchange's {@link #chainSecret()}. Only a party that held the previous keys can
   * derive the new ones. Consumes {@code ikm}; {@code chain} stays with the caller.
   */
  static KeySchedule derive(Secret ikm, byte[] transcriptHash, SrtpSuite suite, Optional<Secret> chain) {
    if (chain.isEmpty()) {
      return derive(ikm, transcriptHash, suite);
    }
    byte[] a = ikm.exposeSecretBytes();
    byte[] b = chain.get().exposeSecretBytes();
    byte[] joined = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, joined, a.length, b.length);
    ikm.destroy();
    return derive(Secret.adopt(joined), transcriptHash, suite);
  }

  /** K_chain = HKDF-Expand(PRK, "pqsip-v1 chain", 48): mixed into the next in-dialog exchange. */
  Secret chainSecret() {
    return prk.expand(CHAIN, Hkdf.HASH_BYTES);
  }

  /**
   * chain-id = HKDF-Expand(PRK, "pqsip-v1 chain id", 16): names this exchange in the next
   * offer's {@code chain=} parameter. Public: it reveals nothing about the PRK.
   */
  byte[] chainId() {
    try (Secret id = prk.expand(CHAIN_ID, CHAIN_ID_BYTES)) {
      return id.exposeSecretBytes().clone();
    }
  }

  public SrtpSuite suite() {
    return suite;
  }

  byte[] transcriptHash() {
    return transcriptHash.clone();
  }

  /**
   * The answer's key-confirmation value: HKDF-Expand(PRK, "pqsip-v1 confirm answerer", 32). It
   * is bound to the transcript because the PRK is (th is the HKDF-Extract salt), so no separate
   * MAC over th is needed.
   */
  byte[] answerConfirmation() {
    try (Secret k = prk.expand(CONFIRM_ANSWERER, KemAnswer.CONFIRM_BYTES)) {
      return k.exposeSecretBytes().clone();
    }
  }

  /** The reveal message's MAC: HMAC(K_confirm_offerer, label ‖ th ‖ body), 16 bytes. */
  byte[] revealMac(byte[] body, int bodyLength) {
    try (Secret k = prk.expand(CONFIRM_OFFERER, Hkdf.HASH_BYTES)) {
      return Hkdf.hmac(
          k,
          Reveal.MAC_BYTES,
          REVEAL.getBytes(StandardCharsets.US_ASCII),
          transcriptHash,
          Arrays.copyOf(body, bodyLength));
    }
  }

  /** The SAS value: HMAC(K_sas, nonce_o); only computable once the nonce is revealed. */
  byte[] sasHash(byte[] offererNonce) {
    try (Secret k = prk.expand(SAS, Hkdf.HASH_BYTES)) {
      return Hkdf.hmac(k, Hkdf.HASH_BYTES, offererNonce);
    }
  }

  /** The secret both sides retain for the next call with this device. */
  Secret nextRetainedSecret() {
    return prk.expand(RETAINED, 32);
  }

  /** Proof of possession of a retained secret, bound to this transcript. */
  static byte[] continuityProof(Secret retained, Role prover, byte[] transcriptHash) {
    return Hkdf.hmac(
        retained,
        KemAnswer.PROOF_BYTES,
        (RS_PROOF + prover.label()).getBytes(StandardCharsets.US_ASCII),
        transcriptHash);
  }

  /**
   * The SRTP master key and salt that {@code sender} uses on m-line {@code mline} (0-based, in SDP
   * order). Label: {@code "pqsip-v1 srtp <SUITE> m<idx> <offerer|answerer>"}.
   */
  public SrtpMasterKey srtpKey(int mline, Role sender) {
    if (mline < 0 || mline > 255) {
      throw new IllegalArgumentException("m-line index out of range");
    }
    String label = "pqsip-v1 srtp " + suite.wireName() + " m" + mline + " " + sender.label();
    try (Secret both = prk.expand(label, suite.keyLength() + suite.saltLength())) {
      byte[] b = both.exposeSecretBytes();
      return new SrtpMasterKey(
          suite,
          Secret.copyOf(b, 0, suite.keyLength()),
          Secret.copyOf(b, suite.keyLength(), suite.saltLength()));
    }
  }

  /** The PRK itself, for known-answer tests. */
  Secret prkForTest() {
    return prk.secret();
  }

  public void destroy() {
    prk.close();
  }

  @Override
  public void close() {
    destroy();
  }
}
