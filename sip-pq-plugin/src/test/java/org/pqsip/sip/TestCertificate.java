package org.pqsip.sip;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away self-signed certificate for 127.0.0.1 (made by openssl) for SIP over TLS in
 * tests: every test phone presents it and trusts only it.
 */
public final class TestCertificate {
  private TestCertificate() {}

  /** cert.pem and key.pem (PKCS#8, EC P-256) in {@code dir}, as the phones' {@link SipTls}. */
  public static SipTls create(Path dir) throws Exception {
    return create(dir, "IP:127.0.0.1");
  }

  /** As {@link #create(Path)}, naming {@code subjectAltName} (e.g. {@code DNS:other.test}). */
  public static SipTls create(Path dir, String subjectAltName) throws Exception {
    Path cert = dir.resolve("sip-cert.pem");
    Path key = dir.resolve("sip-key.pem");
    Process p = new ProcessBuilder(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "1",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=" + subjectAltName))
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("openssl could not make a test certificate: " + out);
    }
    return new SipTls(cert, key, Optional.of(cert));
  }
}
