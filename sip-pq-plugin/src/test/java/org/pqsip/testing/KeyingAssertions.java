package org.pqsip.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.pqsip.keying.KeyingException;

public final class KeyingAssertions {
  private KeyingAssertions() {}

  /** {@code call} fails with a {@link KeyingException} of exactly {@code reason}. */
  public static void assertFails(ThrowingCallable call, KeyingException.Reason reason) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(KeyingException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }
}
