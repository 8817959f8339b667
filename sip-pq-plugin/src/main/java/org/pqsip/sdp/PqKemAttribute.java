package org.pqsip.sdp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.pqsip.crypto.KemAlgorithm;
import org.pqsip.keying.Base64Text;
import org.pqsip.keying.DeviceId;
import org.pqsip.keying.KemAnswer;
import org.pqsip.keying.KemOffer;
import org.pqsip.keying.KeyingException;
import org.pqsip.keying.KeyingException.Reason;
import org.pqsip.srtp.SrtpSuite;

/**
 * The session-level {@code a=pqkem} attribute (docs/PROTOCOL.md §3):
 *
 * <pre>
 * pqkem-attr = "pqkem:" version SP algorithm SP blob *(SP param)
 * offer:  a=pqkem:1 mlkem1024-x25519 &lt;b64&gt; dev=&lt;b64url&gt; commit=&lt;b64url&gt; srtp=S1,S2 [chain=&lt;b64url&gt;]
 * answer: a=pqkem:1 mlkem1024-x25519 &lt;b64&gt; dev=&lt;b64url&gt; srtp=S confirm=&lt;b64url&gt; [rs=P1[,P2]] [chain=&lt;b64url&gt;]
 * </pre>
 *
 * Attributes of an unknown version or algorithm are ignored, never guessed (an attribute of
 * another version is skipped before anything else in it is read); two usable ones are an error.
 * Unknown parameters are ignored so later versions can add some.
 */
public final class PqKemAttribute {
  public static final String NAME = "pqkem";
  public static final int VERSION = 1;
  /** Longest attribute value we parse: the blob plus generous room for parameters. */
  static final int MAX_VALUE_CHARS = 4096;

  private PqKemAttribute() {}

  /** The syntactic parts of one attribute value. */
  record Parts(int version, String algorithm, String blob, Map<String, String> params) {}

  public static String formatOffer(KemOffer o) {
    return VERSION + " " + o.algorithm().wireName() + " " + Base64Text.encode(o.blob())
        + " dev=" + o.device().text()
        + " commit=" + Base64Text.encodeUrl(o.commit())
        + " srtp=" + o.srtpText()
        + o.chain().map(c -> " chain=" + Base64Text.encodeUrl(c)).orElse("");
  }

  public static String formatAnswer(KemAnswer a) {
    StringBuilder sb = new StringBuilder(2300);
    sb.append(VERSION).append(' ').append(a.algorithm().wireName()).append(' ')
        .append(Base64Text.encode(a.blob()))
        .append(" dev=").append(a.device().text())
        .append(" srtp=").append(a.srtpSuite().wireName())
        .append(" confirm=").append(Base64Text.encodeUrl(a.confirm()));
    List<byte[]> proofs = a.continuityProofs();
    if (!proofs.isEmpty()) {
      sb.append(" rs=")
          .append(proofs.stream().map(Base64Text::encodeUrl).collect(Collectors.joining(",")));
    }
    a.chain().ifPresent(c -> sb.append(" chain=").append(Base64Text.encodeUrl(c)));
    return sb.toString();
  }

  /** The usable offer among the session-level pqkem values, if any. */
  public static Optional<KemOffer> selectOffer(List<String> values) throws KeyingException {
    Optional<Parts> p = select(values);
    if (p.isEmpty()) {
      return Optional.empty();
    }
    Parts parts = p.get();
    KemAlgorithm alg = KemAlgorithm.fromWireName(parts.algorithm()).orElseThrow();
    byte[] blob = Base64Text.decode(parts.blob(), "pqkem blob");
    DeviceId dev = DeviceId.parse(required(parts, "dev"));
    byte[] commit = Base64Text.decodeUrl(required(parts, "commit"), "pqkem commit");
    String srtpText = required(parts, "srtp");
    List<SrtpSuite> suites = new ArrayList<>();
    for (String s : srtpText.split(",", -1)) {
      SrtpSuite.fromWireName(s).filter(x -> !suites.contains(x)).ifPresent(suites::add);
    }
    return Optional.of(KemOffer.of(alg, blob, dev, commit, suites, srtpText, chain(parts)));
  }

  /** The usable answer among the session-level pqkem values, if any. */
  public static Optional<KemAnswer> selectAnswer(List<String> values) throws KeyingException {
    Optional<Parts> p = select(values);
    if (p.isEmpty()) {
      return Optional.empty();
    }
    Parts parts = p.get();
    KemAlgorithm alg = KemAlgorithm.fromWireName(parts.algorithm()).orElseThrow();
    byte[] blob = Base64Text.decode(parts.blob(), "pqkem blob");
    DeviceId dev = DeviceId.parse(required(parts, "dev"));
    String suiteName = required(parts, "srtp");
    SrtpSuite suite =
        SrtpSuite.fromWireName(suiteName)
            .orElseThrow(
                () -> new KeyingException(Reason.NO_COMMON_SUITE, "answer names an unknown SRTP suite"));
    byte[] confirm = Base64Text.decodeUrl(required(parts, "confirm"), "pqkem confirm");
    List<byte[]> proofs = new ArrayList<>();
    String rs = parts.params().get("rs");
    if (rs != null) {
      for (String proof : rs.split(",", -1)) {
        proofs.add(Base64Text.decodeUrl(proof, "pqkem rs proof"));
      }
    }
    return Optional.of(KemAnswer.of(alg, blob, dev, suite, confirm, proofs, chain(parts)));
  }

  private static Optional<byte[]> chain(Parts parts) throws KeyingException {
    String c = parts.params().get("chain");
    return c == null ? Optional.empty() : Optional.of(Base64Text.decodeUrl(c, "pqkem chain"));
  }

  private static Optional<Parts> select(List<String> values) throws KeyingException {
    Parts chosen = null;
    for (String v : values) {
      if (!isVersionOne(v)) {
        continue; // another version's syntax is its own business
      }
      Parts p = parse(v);
      if (p.version() != VERSION || KemAlgorithm.fromWireName(p.algorithm()).isEmpty()) {
        continue;
      }
      if (chosen != null) {
        throw new KeyingException(
            Reason.DUPLICATE_ATTRIBUTE, "more than one usable a=pqkem attribute");
      }
      chosen = p;
    }
    return Optional.ofNullable(chosen);
  }

  /** Whether the value starts with version "1" (a malformed version is still ours to report). */
  private static boolean isVersionOne(String value) {
    int sp = value.indexOf(' ');
    String v = sp < 0 ? value : value.substring(0, sp);
    boolean digits = !v.isEmpty() && v.length() <= 3 && v.chars().allMatch(c -> c >= '0' && c <= '9');
    return !digits || Integer.parseInt(v) == VERSION;
  }

  static Parts parse(String value) throws KeyingException {
    if (value.length() > MAX_VALUE_CHARS) {
      throw new KeyingException(Reason.MALFORMED_ATTRIBUTE, "a=pqkem value too long");
    }
    String[] f = value.split(" ", -1);
    if (f.length < 3) {
      throw new KeyingException(
          Reason.MALFORMED_ATTRIBUTE, "a=pqkem needs version, algorithm and blob");
    }
    int version = parseVersion(f[0]);
    Map<String, String> params = new LinkedHashMap<>();
    for (int i = 3; i < f.length; i++) {
      int eq = f[i].indexOf('=');
      if (eq <= 0) {
        throw new KeyingException(Reason.MALFORMED_ATTRIBUTE, "a=pqkem parameter is not name=value");
      }
      if (params.put(f[i].substring(0, eq), f[i].substring(eq + 1)) != null) {
        throw new KeyingException(Reason.DUPLICATE_ATTRIBUTE, "a=pqkem repeats a parameter");
      }
    }
    if (f[1].isEmpty() || f[2].isEmpty()) {
      throw new KeyingException(Reason.MALFORMED_ATTRIBUTE, "a=pqkem has an empty field");
    }
    return new Parts(version, f[1], f[2], params);
  }

  private static int parseVersion(String s) throws KeyingException {
    if (s.isEmpty() || s.length() > 3 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new KeyingException(Reason.MALFORMED_ATTRIBUTE, "a=pqkem version is not 1*3DIGIT");
    }
    return Integer.parseInt(s);
  }

  private static String required(Parts p, String name) throws KeyingException {
    String v = p.params().get(name);
    if (v == null || v.isEmpty()) {
      throw new KeyingException(Reason.MALFORMED_ATTRIBUTE, "a=pqkem lacks " + name + "=");
    }
    return v;
  }
}
