package org.pqsip.sip;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * JAIN-SIP's blocking TLS layer reads its key and trust material only from key store files. This
 * turns our PEM files into two PKCS#12 stores under a random password, in files readable only by
 * us, which the user agent deletes as soon as the stack has loaded them ({@link #close()}).
 */
final class TlsKeyStores implements AutoCloseable {
  private static final Pattern PRIVATE_KEY =
      Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

  private final Path dir;
  private final Path keyStore;
  private final Path trustStore;
  private final String password;

  private TlsKeyStores(Path dir, Path keyStore, Path trustStore, String password) {
    this.dir = dir;
    this.keyStore = keyStore;
    this.trustStore = trustStore;
    this.password = password;
  }

  static TlsKeyStores write(SipTls tls, SecureRandom random) throws IOException {
    byte[] pw = new byte[18];
    random.nextBytes(pw);
    String password = HexFormat.of().formatHex(pw);
    Path dir = Files.createTempDirectory("pqsip-tls", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    try {
      Certificate[] chain = certificates(tls.certificate());
      if (chain.length == 0) {
        throw new IOException("no certificate in " + tls.certificate());
      }
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("sip", privateKey(tls.privateKey()), password.toCharArray(), chain);
      KeyStore ts = KeyStore.getInstance("PKCS12");
      ts.load(null, null);
      Certificate[] cas = tls.trustedCas().isPresent() ? certificates(tls.trustedCas().get()) : jdkDefaultCas();
      for (int i = 0; i < cas.length; i++) {
        ts.setCertificateEntry("ca" + i, cas[i]);
      }
      TlsKeyStores s = new TlsKeyStores(dir, dir.resolve("key.p12"), dir.resolve("trust.p12"), password);
      store(ks, s.keyStore, password);
      store(ts, s.trustStore, password);
      return s;
    } catch (GeneralSecurityException e) {
      deleteQuietly(dir);
      throw new IOException("unusable TLS certificate, key or CA file: " + e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      deleteQuietly(dir);
      throw e;
    }
  }

  /** The stack properties that point JAIN-SIP at the stores. */
  void configure(Properties p) {
    p.setProperty("javax.net.ssl.keyStore", keyStore.toString());
    p.setProperty("javax.net.ssl.keyStorePassword", password);
    p.setProperty("javax.net.ssl.keyStoreType", "PKCS12");
    p.setProperty("javax.net.ssl.trustStore", trustStore.toString());
    p.setProperty("javax.net.ssl.trustStorePassword", password);
    p.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
  }

  private static void store(KeyStore ks, Path file, String password) throws IOException, GeneralSecurityException {
    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (OutputStream out = Files.newOutputStream(file)) {
      ks.store(out, password.toCharArray());
    }
  }

  private static Certificate[] certificates(Path file) throws GeneralSecurityException, IOException {
    return CertificateFactory.getInstance("X.509")
        .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(file)))
        .toArray(new Certificate[0]);
  }

  private static Certificate[] jdkDefaultCas() throws GeneralSecurityException {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init((KeyStore) null);
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509TrustManager x) {
        X509Certificate[] issuers = x.getAcceptedIssuers();
        return Arrays.copyOf(issuers, issuers.length, Certificate[].class);
      }
    }
    return new Certificate[0];
  }

  private static PrivateKey privateKey(Path file) throws GeneralSecurityException, IOException {
    Matcher m = PRIVATE_KEY.matcher(Files.readString(file, StandardCharsets.US_ASCII));
    if (!m.find()) {
      throw new GeneralSecurityException(
          file + " holds no PKCS#8 'BEGIN PRIVATE KEY' block (convert with openssl pkcs8 -topk8 -nocrypt)");
    }
    byte[] der = Base64.getMimeDecoder().decode(m.group(1));
    try {
      for (String alg : new String[] {"EC", "RSA", "Ed25519"}) {
        try {
          return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException tryNext) {
          // another algorithm
        }
      }
      throw new GeneralSecurityException("unsupported private key in " + file + " (EC, RSA or Ed25519 expected)");
    } finally {
      Arrays.fill(der, (byte) 0);
    }
  }

  /** Deletes both stores: the stack has loaded them. */
  @Override
  public void close() {
    deleteQuietly(dir);
  }

  private static void deleteQuietly(Path dir) {
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // a temporary directory we could not remove: nothing else to do
    }
  }
}
