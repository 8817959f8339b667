package org.pqsip.sdp;

import java.util.Optional;
import org.pqsip.crypto.Secret;
import org.pqsip.keying.Base64Text;
import org.pqsip.keying.KeyingException;
import org.pqsip.keying.KeyingException.Reason;
import org.pqsip.srtp.SrtpMasterKey;
import org.pqsip.srtp.SrtpSuite;

/**
 * The SDES {@code a=crypto} attribute (RFC 4568) for legacy interop, restricted to what we use:
 * {@code <tag> <suite> inline:<base64(key ‖ salt)>[|lifetime][|mki:len]}, one key per line,
 * no session parameters. Lines with suites or forms we do not speak are skipped, not guessed.
 */
public record SdesCrypto(int tag, SrtpMasterKey key) {
  public static final String NAME = "crypto";

  public String format() {
    byte[] k = key.key().exposeSecretBytes();
    byte[] s = key.salt().exposeSecretBytes();
    byte[] both = new byte[k.length + s.length];
    System.arraycopy(k, 0, both, 0, k.length);
    System.arraycopy(s, 0, both, k.length, s.length);
    String text = tag + " " + key.suite().wireName() + " inline:" + Base64Text.encode(both);
    java.util.Arrays.fill(both, (byte) 0);
    return text;
  }

  /** Parses one value; empty if the suite is not one we support for SDES. */
  public static Optional<SdesCrypto> parse(String value) throws KeyingException {
    String[] f = value.trim().split(" +");
    if (f.length < 3) {
      throw new KeyingException(Reason.MALFORMED_ATTRIBUTE, "a=crypto needs tag, suite and key");
    }
    int tag;
    try {
      tag = Integer.parseInt(f[0]);
    } catch (NumberFormatException e) {
      throw new KeyingException(Reason.MALFORMED_ATTRIBUTE, "a=crypto tag is not a number");
    }
    if (tag < 0 || tag > 999_999_999) {
      throw new KeyingException(Reason.MALFORMED_ATTRIBUTE, "a=crypto tag out of range");
    }
    Optional<SrtpSuite> suite = SrtpSuite.fromWireName(f[1]).filter(s -> !s.aead());
    if (suite.isEmpty() || f.length > 3 || !f[2].startsWith("inline:") || f[2].contains(";")) {
      return Optional.empty(); // unknown suite, session params or several keys: not for us
    }
    String inline = f[2].substring("inline:".length());
    int bar = inline.indexOf('|');
    byte[] both = Base64Text.decode(bar < 0 ? inline : inline.substring(0, bar), "a=crypto key");
    SrtpSuite s = suite.get();
    if (both.length != s.keyLength() + s.saltLength()) {
      throw new KeyingException(Reason.BAD_LENGTH, "a=crypto key has the wrong length for " + s);
    }
    SrtpMasterKey key =
        new SrtpMasterKey(
            s, Secret.copyOf(both, 0, s.keyLength()), Secret.copyOf(both, s.keyLength(), s.saltLength()));
    java.util.Arrays.fill(both, (byte) 0);
    return Optional.of(new SdesCrypto(tag, key));
  }

  @Override
  public String toString() {
    return "SdesCrypto[" + tag + " " + key.suite() + "]";
  }
}
