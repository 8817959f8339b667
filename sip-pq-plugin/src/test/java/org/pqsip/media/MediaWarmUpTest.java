package org.pqsip.media;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.pqsip.srtp.SrtpSuite;

/** The start-up warm-up really runs SRTP: every packet of every suite round-trips intact. */
class MediaWarmUpTest {
  @Test
  void everySuiteProtectsAndUnprotectsItsTwentyPackets() {
    assertThat(MediaWarmUp.run()).isEqualTo(20 * SrtpSuite.values().length);
  }
}
