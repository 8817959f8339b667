package org.pqsip.sip.stack;

import gov.nist.javax.sip.ClientTransactionExt;
import gov.nist.javax.sip.TlsSecurityPolicy;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * RFC 5922 server identity for SIP over TLS: the certificate of the server we connect to must
 * name the host we meant to reach (the next hop): a subjectAltName DNS name (exact, no
 * wildcards, §7.2), a SIP URI naming it, or, for an address literal, an iPAddress entry. The
 * chain itself is checked by the trust manager before this runs; JAIN-SIP calls this for every
 * client transaction over TLS (class named in {@code gov.nist.javax.sip.TLS_SECURITY_POLICY}):
 * a mismatch stops the request, and the listener hears of it ({@link Refusals}).
 */
public final class TlsServerIdentity implements TlsSecurityPolicy {
  @Override
  public void enforceTlsPolicy(ClientTransactionExt tx) throws SecurityException {
    String host = tx.getNextHop() != null ? tx.getNextHop().getHost() : tx.getPeerAddress();
    Certificate[] peer;
    try {
      peer = tx.getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      throw new SecurityException("the TLS peer presented no verified certificate");
    }
    if (peer == null || peer.length == 0 || !(peer[0] instanceof X509Certificate leaf)) {
      throw new SecurityException("the TLS peer presented no certificate");
    }
    if (!names(leaf, host)) {
      String why = "the TLS certificate of the next hop does not name it (RFC 5922)";
      // JAIN-SIP drops the request without telling its listener; tell it ourselves.
      if (tx.getSipProvider() instanceof gov.nist.javax.sip.SipProviderImpl p
          && p.getSipListener() instanceof Refusals r) {
        r.tlsIdentityRefused(tx, why);
      }
      throw new SecurityException(why);
    }
  }

  /** Told when a request was not sent because the server's certificate named another host. */
  public interface Refusals {
    void tlsIdentityRefused(ClientTransactionExt tx, String why);
  }

  static boolean names(X509Certificate cert, String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    boolean literal = h.matches("[0-9.]+") || h.contains(":");
    Collection<List<?>> sans;
    try {
      sans = cert.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return false;
    }
    if (sans == null) {
      return false; // RFC 5922 §7.1: identities come from subjectAltName when it exists; we require it
    }
    for (List<?> san : sans) {
      int type = (Integer) san.get(0);
      String value = String.valueOf(san.get(1));
      if (type == 2 && !literal && value.toLowerCase(Locale.ROOT).equals(h.toLowerCase(Locale.ROOT))) {
        return true; // dNSName
      }
      if (type == 6 && value.toLowerCase(Locale.ROOT).equals("sip:" + h.toLowerCase(Locale.ROOT))) {
        return true; // uniformResourceIdentifier sip:host
      }
      if (type == 7 && literal && sameAddress(value, h)) {
        return true; // iPAddress
      }
    }
    return false;
  }

  /** Both are address literals (no DNS look-up happens for literals). */
  private static boolean sameAddress(String a, String b) {
    try {
      return InetAddress.getByName(a).equals(InetAddress.getByName(b));
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
