package org.pqsip.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SecretTest {
  @Test
  void neverPrintsItsContent() {
    Secret s = Secret.adopt(new byte[] {0x41, 0x42, 0x43, 0x44});
    assertThat(s.toString()).isEqualTo("Secret[4 bytes]").doesNotContain("41").doesNotContain("ABCD");
    assertThat(String.valueOf(s)).doesNotContain("ABCD");
  }

  @Test
  void destroyWipesTheBackingArrayAndForbidsUse() {
    byte[] raw = {1, 2, 3, 4};
    Secret s = Secret.adopt(raw);
    s.destroy();
    assertThat(raw).containsOnly(0);
    assertThat(s.isDestroyed()).isTrue();
    assertThatThrownBy(s::exposeSecretBytes).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void comparesByContent() {
    assertThat(Secret.adopt(new byte[] {1, 2})).isEqualTo(Secret.adopt(new byte[] {1, 2}));
    assertThat(Secret.adopt(new byte[] {1, 2})).isNotEqualTo(Secret.adopt(new byte[] {1, 3}));
    assertThat(Secret.adopt(new byte[] {1, 2}).hashCode()).isEqualTo(Secret.adopt(new byte[] {9, 9}).hashCode());
  }
}
