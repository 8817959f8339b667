package org.pqsip.relay.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.PortUnreachableException;
import org.junit.jupiter.api.Test;

/** A bug in the event loop is an internal error, never a dropped packet: it cannot hide as loss. */
class RelayCountersTest {
  @Test
  void anIoErrorIsADropARuntimeExceptionIsAnInternalError() {
    RelayCounters c = new RelayCounters();
    c.failed(new PortUnreachableException("ICMP"));
    c.failed(new IOException("socket"));
    c.failed(new IllegalStateException("a bug"));
    c.failed(new ArrayIndexOutOfBoundsException(3));
    assertThat(c.get(RelayCounters.DROPPED)).isEqualTo(2);
    assertThat(c.get(RelayCounters.INTERNAL_ERRORS)).isEqualTo(2);
  }

  @Test
  void internalErrorsDoNotShiftTheErrorResponseCounters() {
    RelayCounters c = new RelayCounters();
    c.error(403);
    c.failed(new IllegalStateException("a bug"));
    assertThat(c.errors(403)).isEqualTo(1);
    assertThat(c.errors(401)).isZero();
  }
}
