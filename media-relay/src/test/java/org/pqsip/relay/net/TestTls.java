package org.pqsip.relay.net;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** A throw-away self-signed certificate (made by openssl) for TLS tests, and a client that trusts only it. */
public final class TestTls {
  public final Path cert;
  public final Path key;

  private TestTls(Path cert, Path key) {
    this.cert = cert;
    this.key = key;
  }

  /** An EC P-256 certificate for CN=relay.test in {@code dir}: cert.pem and key.pem (PKCS#8). */
  public static TestTls create(Path dir) throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Process p = new ProcessBuilder(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "1", "-subj", "/CN=relay.test"))
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("openssl could not make a test certificate: " + out);
    }
    return new TestTls(cert, key);
  }

  public SSLContext server() throws Exception {
    return TlsContexts.fromPem(cert, key);
  }

  /** A client context that trusts this certificate and nothing else. */
  public SSLContext client() throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    Certificate c = CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(Files.readAllBytes(cert)));
    trust.setCertificateEntry("relay", c);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }
}
