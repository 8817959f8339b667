package org.pqsip.sip;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * SIP over TLS settings: our certificate chain and PKCS#8 private key (PEM, as for the relay),
 * and the certificate authorities we accept for peers and proxies we connect to (PEM; empty
 * means the JDK's default trust store). Validated when built.
 */
public record SipTls(Path certificate, Path privateKey, Optional<Path> trustedCas) {
  public SipTls {
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(privateKey, "privateKey");
    for (Path p : trustedCas.map(ca -> new Path[] {certificate, privateKey, ca}).orElse(new Path[] {certificate, privateKey})) {
      if (!Files.isReadable(p)) {
        throw new IllegalArgumentException("cannot read TLS file " + p);
      }
    }
  }
}
