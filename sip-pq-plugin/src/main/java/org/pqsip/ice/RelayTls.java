package org.pqsip.ice;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS towards our relay ({@code turns:} or {@code ?transport=tls}): the relay's certificate must
 * chain to one of the authorities in the PEM file given with {@code --relay-ca} (the JDK's default
 * trust store without one) and name the relay's literal address, checked by
 * {@link TurnClient}. No revocation look-ups: nothing leaves the machine but the call.
 */
public final class RelayTls {
  private RelayTls() {}

  public static SSLSocketFactory socketFactory(Optional<Path> ca) throws IOException {
    if (ca.isEmpty()) {
      return (SSLSocketFactory) SSLSocketFactory.getDefault();
    }
    try {
      Certificate[] certs = CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(ca.get()))).toArray(new Certificate[0]);
      if (certs.length == 0) {
        throw new IOException("no certificate in --relay-ca " + ca.get());
      }
      KeyStore ts = KeyStore.getInstance("PKCS12");
      ts.load(null, null);
      for (int i = 0; i < certs.length; i++) {
        ts.setCertificateEntry("ca" + i, certs[i]);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ts);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx.getSocketFactory();
    } catch (GeneralSecurityException e) {
      throw new IOException("unusable --relay-ca " + ca.get() + ": " + e.getMessage(), e);
    }
  }
}
