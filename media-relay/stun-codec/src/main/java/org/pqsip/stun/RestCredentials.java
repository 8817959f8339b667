package org.pqsip.stun;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Ephemeral TURN credentials in the "TURN REST API" style that coturn's
 * {@code --use-auth-secret} accepts: username {@code <expiry-unix-seconds>:<token>}, password
 * {@code base64(HMAC-SHA1(secret, username))}; the long-term key (RFC 8489 §9.2.2) is
 * {@code MD5(username ":" realm ":" password)}. Stateless: any relay with the shared secret
 * checks any credential, so relays scale out without shared state. Sans-IO: {@code now} is given.
 *
 * <p>Recommend random tokens, not user ids, so that the relay cannot build a participant graph.
 */
public final class RestCredentials {
  private final byte[] secret;
  private final String realm;

  public RestCredentials(byte[] secret, String realm) {
    if (secret.length < 16) {
      throw new IllegalArgumentException("the shared secret must be at least 16 bytes");
    }
    this.secret = secret.clone();
    this.realm = realm;
  }

  /** Mints a username and password valid until {@code expiresEpochSeconds} (client side). */
  public String[] mint(long expiresEpochSeconds, String token) {
    String username = expiresEpochSeconds + ":" + token;
    return new String[] {username, password(username)};
  }

  public String password(String username) {
    return Base64.getEncoder().encodeToString(hmacSha1(secret, username.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * The long-term key for {@code username} if it is well formed and not expired at
   * {@code nowEpochSeconds}; empty otherwise (the caller answers 401).
   */
  public Optional<byte[]> key(String username, long nowEpochSeconds) {
    int colon = username.indexOf(':');
    if (colon <= 0 || colon > 19 || username.length() > 256) {
      return Optional.empty();
    }
    long expiry;
    try {
      expiry = Long.parseLong(username.substring(0, colon));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    if (expiry < nowEpochSeconds) {
      return Optional.empty();
    }
    return Optional.of(longTermKey(username, realm, password(username)));
  }

  public static byte[] longTermKey(String username, String realm, String password) {
    try {
      return MessageDigest.getInstance("MD5")
          .digest((username + ":" + realm + ":" + password).getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("MD5 is mandatory in Java 17", e);
    }
  }

  private static byte[] hmacSha1(byte[] key, byte[] data) {
    try {
      Mac m = Mac.getInstance("HmacSHA1");
      m.init(new SecretKeySpec(key, "HmacSHA1"));
      return m.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA1 is mandatory in Java 17", e);
    }
  }
}
