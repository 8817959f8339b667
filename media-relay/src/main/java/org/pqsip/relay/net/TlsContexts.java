package org.pqsip.relay.net;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/** The relay's TLS identity from PEM files: a certificate chain and a PKCS#8 private key. */
public final class TlsContexts {
  private static final Pattern KEY = Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

  private TlsContexts() {}

  /** A TLS 1.2/1.3 server context; a clear {@link IllegalArgumentException} for unusable files. */
  public static SSLContext fromPem(Path certFile, Path keyFile) throws IOException {
    try {
      Certificate[] chain = CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(certFile))).toArray(new Certificate[0]);
      if (chain.length == 0) {
        throw new IllegalArgumentException("no certificate in " + certFile);
      }
      Matcher m = KEY.matcher(Files.readString(keyFile, StandardCharsets.US_ASCII));
      if (!m.find()) {
        throw new IllegalArgumentException(keyFile + " holds no PKCS#8 'BEGIN PRIVATE KEY' block (convert with openssl pkcs8 -topk8 -nocrypt)");
      }
      byte[] der = Base64.getMimeDecoder().decode(m.group(1));
      PrivateKey key = null;
      for (String alg : new String[] {"EC", "RSA", "Ed25519", "EdDSA"}) {
        try {
          key = KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
          break;
        } catch (GeneralSecurityException tryNext) {
          // another algorithm
        }
      }
      Arrays.fill(der, (byte) 0);
      if (key == null) {
        throw new IllegalArgumentException("unsupported private key in " + keyFile + " (EC, RSA or Ed25519 expected)");
      }
      char[] none = new char[0];
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, none);
      ks.setKeyEntry("relay", key, none, chain);
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, none);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), null, null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("unusable TLS certificate or key: " + e.getMessage());
    }
  }
}
