package org.pqsip.stun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class RestCredentialsTest {
  final RestCredentials creds = new RestCredentials("0123456789abcdef0123".getBytes(StandardCharsets.UTF_8), "pq.test");

  @Test
  void passwordIsBase64HmacSha1OfTheUsername() {
    // Independent value: python3 -c "import hmac,hashlib,base64;
    //   print(base64.b64encode(hmac.new(b'0123456789abcdef0123', b'1700000000:tok', hashlib.sha1).digest()).decode())"
    assertThat(creds.password("1700000000:tok")).isEqualTo(PasswordVector.VALUE);
  }

  @Test
  void longTermKeyIsMd5OfUserRealmPassword() {
    // RFC 8489 §9.2.2 long-term key; independent value from Python's hashlib.md5
    assertThat(HexFormat.of().formatHex(RestCredentials.longTermKey("user", "realm", "pass")))
        .isEqualTo(PasswordVector.MD5_USER_REALM_PASS);
  }

  @Test
  void expiredMalformedAndValidUsernames() {
    String[] minted = creds.mint(2_000, "r4nd0m");
    assertThat(creds.key(minted[0], 1_999)).isPresent();
    assertThat(creds.key(minted[0], 2_000)).isPresent();
    assertThat(creds.key(minted[0], 2_001)).as("expired").isEmpty();
    assertThat(creds.key("nocolon", 0)).isEmpty();
    assertThat(creds.key(":x", 0)).isEmpty();
    assertThat(creds.key("abc:x", 0)).isEmpty();
    assertThat(creds.key("99999999999999999999999:x", 0)).isEmpty();
  }

  @Test
  void shortSecretsAreRefused() {
    assertThatThrownBy(() -> new RestCredentials(new byte[8], "r")).isInstanceOf(IllegalArgumentException.class);
  }
}
