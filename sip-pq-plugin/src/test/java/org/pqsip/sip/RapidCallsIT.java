package org.pqsip.sip;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pqsip.keying.Policy;

/** Calls that end milliseconds after setup, many in a row, keep continuity (no false mismatch). */
class RapidCallsIT {
  static final Duration T = Duration.ofSeconds(15);
  @TempDir Path dir;

  @Test
  void rapidCallsNeverReportMismatch() throws Exception {
    TestPhone alice = TestPhone.start("alice", 25300, 45000, dir, TestPhone.Options.of(Policy.REQUIRE, false));
    TestPhone bob = TestPhone.start("bob", 25302, 45200, dir, TestPhone.Options.of(Policy.REQUIRE, true));
    try {
      for (int i = 1; i <= 40; i++) {
        int n = i;
        int id = alice.ua().call(bob.uri());
        EventLog.Event e = alice.log().await(x -> x.type().equals("established") && x.get("call").equals(n), T, "call " + n);
        assertThat(e.get("verification")).as("call " + n).isIn("new-peer", "continuity");
        alice.ua().hangup(id);
        bob.log().await(x -> x.type().equals("ended") && x.get("call").equals(n), T, "end " + n);
      }
      assertThat(bob.log().all()).noneMatch(x -> "mismatch".equals(x.get("verification")));
    } finally {
      alice.ua().close();
      bob.ua().close();
    }
  }
}
