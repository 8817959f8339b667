package org.pqsip.phone;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pqsip.media.AudioCodec;

class PhoneServiceTest {
  @TempDir Path dir;

  private PhoneSettings settings(int port, String policy) {
    return new PhoneSettings("tcp:127.0.0.1:" + port, "sip:pbx@pq.test", policy, false, "127.0.0.1:43000-43099",
        AudioCodec.PCMU, 440, Optional.empty(), Optional.empty(), Optional.empty(), false, true, Optional.empty(),
        Optional.empty(), Optional.empty(), List.of(), Optional.empty(), Optional.empty(), Optional.empty(), "800ms",
        dir.resolve("state"));
  }

  private static Set<Thread> threads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).collect(Collectors.toSet());
  }

  /**
   * What the OSGi component does on every network change: stop one phone, start another. JAIN-SIP
   * 1.3.0-91 left its event scanner and UDP pool threads blocked for good on every stop.
   */
  @Test
  void startingAndClosingPhonesLeavesNoThreadBehind() throws Exception {
    PhoneService warm = PhoneService.start("test", settings(25480, "require"), PhoneService.ignoreEvents());
    warm.close(); // JVM-wide pools (JAIN-SIP's post-parse executor, ...) exist from here on
    Set<Thread> before = threads();
    java.io.PrintStream out = System.out;
    java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
    System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      for (int i = 0; i < 3; i++) {
        PhoneService p = PhoneService.start("test", settings(25480 + 2 * (i % 2), "require"), PhoneService.ignoreEvents());
        p.close();
      }
    } finally {
      System.setOut(out);
    }
    Set<Thread> started = threads();
    started.removeAll(before);
    long deadline = System.nanoTime() + 10_000_000_000L;
    for (Thread t : started) {
      t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000)); // the thread's end, within the deadline
    }
    Set<String> left = started.stream().filter(Thread::isAlive).map(Thread::getName).collect(Collectors.toSet());
    assertThat(left).as("threads left by three phones started and closed").isEmpty();
    assertThat(printed.toString(java.nio.charset.StandardCharsets.UTF_8))
        .as("nothing on standard output (./pq phone --json's event stream)").doesNotContain("failed");
  }

  @Test
  void perCallSettingsApplyLive_networkSettingsDoNot() throws Exception {
    try (PhoneService p = PhoneService.start("test", settings(25484, "require"), PhoneService.ignoreEvents())) {
      assertThat(p.canReconfigure(settings(25484, "prefer"))).isTrue();
      p.reconfigure(settings(25484, "prefer"));
      assertThat(p.status().policy()).isEqualTo("prefer");
      assertThat(p.canReconfigure(settings(25486, "prefer"))).isFalse();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> p.check(settings(25484, "maybe")))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--policy must be require, prefer or off");
      assertThat(p.status().policy()).isEqualTo("prefer");
    }
  }
}
