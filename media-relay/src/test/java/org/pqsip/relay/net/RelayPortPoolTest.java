package org.pqsip.relay.net;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The shared relayed-port range: round robin, even ports on request, exhaustion, release. */
class RelayPortPoolTest {
  @Test
  void handsOutPortsRoundRobinEvenOnRequestAndNoneWhenFull() {
    RelayPortPool pool = new RelayPortPool(61001, 61004);
    assertThat(pool.take(false)).isEqualTo(61001);
    assertThat(pool.take(true)).isEqualTo(61002);
    assertThat(pool.take(true)).isEqualTo(61004);
    assertThat(pool.take(true)).as("no even port left").isEqualTo(-1);
    assertThat(pool.take(false)).isEqualTo(61003);
    assertThat(pool.take(false)).isEqualTo(-1);
    pool.release(61002);
    assertThat(pool.take(true)).isEqualTo(61002);
  }
}
