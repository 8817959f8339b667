package org.pqsip.relay.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/**
 * TCP/TLS connections per loop: one source cannot take the whole budget (it used to be 10,000
 * per loop for anyone, each idling 30 s), and under pressure idle connections go sooner.
 */
class ConnectionBudgetTest {
  static final long IDLE = 30_000_000_000L;
  static final long PRESSURED = 5_000_000_000L;

  static InetAddress ip(String s) throws Exception {
    return InetAddress.getByName(s);
  }

  @Test
  void oneSourceIsCappedWhileOthersStillGetIn() throws Exception {
    ConnectionBudget b = new ConnectionBudget(1000, 64, IDLE, PRESSURED, new byte[16]);
    InetAddress flooder = ip("203.0.113.66");
    for (int i = 0; i < 64; i++) {
      assertThat(b.admit(flooder)).isNotNegative();
    }
    assertThat(b.admit(flooder)).as("the 65th from one source").isNegative();
    assertThat(b.admit(ip("198.51.100.7"))).as("someone else").isNotNegative();
  }

  @Test
  void anIpv6FlooderCountsByItsSlash64() throws Exception {
    ConnectionBudget b = new ConnectionBudget(1000, 4, IDLE, PRESSURED, new byte[16]);
    for (int i = 0; i < 4; i++) {
      assertThat(b.admit(ip("2001:db8:7:7::" + Integer.toHexString(i + 1)))).isNotNegative();
    }
    assertThat(b.admit(ip("2001:db8:7:7:ffff::9"))).isNegative();
  }

  @Test
  void theTotalIsCappedAndReleasedSlotsComeBack() throws Exception {
    ConnectionBudget b = new ConnectionBudget(3, 64, IDLE, PRESSURED, new byte[16]);
    int s1 = b.admit(ip("203.0.113.1"));
    b.admit(ip("203.0.113.2"));
    b.admit(ip("203.0.113.3"));
    assertThat(b.admit(ip("203.0.113.4"))).isNegative();
    b.release(s1);
    assertThat(b.total()).isEqualTo(2);
    assertThat(b.admit(ip("203.0.113.4"))).isNotNegative();
    b.release(-1); // a refused connection has nothing to give back
    assertThat(b.total()).isEqualTo(3);
  }

  @Test
  void overHalfTheBudgetIdleConnectionsGetTheShortTimeout() throws Exception {
    ConnectionBudget b = new ConnectionBudget(10, 64, IDLE, PRESSURED, new byte[16]);
    for (int i = 0; i < 5; i++) {
      b.admit(ip("203.0.113." + (i + 1)));
    }
    assertThat(b.idleNanos()).isEqualTo(IDLE);
    b.admit(ip("203.0.113.9"));
    assertThat(b.idleNanos()).isEqualTo(PRESSURED);
  }
}
