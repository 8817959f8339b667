package org.pqsip.stun;

/** Known answers computed independently with Python's hmac/hashlib (see RestCredentialsTest). */
final class PasswordVector {
  static final String VALUE = "rD+uMbXC1RONtfb8MwbtSIsZSxI=";
  static final String MD5_USER_REALM_PASS = "8493fbc53ba582fb4c044c456bdc40eb";

  private PasswordVector() {}
}
