package org.pqsip.sip.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import gov.nist.javax.sip.stack.SIPStackTimerTask;
import gov.nist.javax.sip.stack.timers.DefaultSipTimer;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class QuietSipTimerTest {
  private static SIPStackTimerTask task() {
    return new SIPStackTimerTask() {
      @Override
      public void runTask() {}

      @Override
      public Object getThreadHash() {
        return null;
      }
    };
  }

  @Test
  void aTaskScheduledAfterTheStopIsDropped_whereJainSipsTimerThrows() {
    // as the stack does with STACK_LOGGER set: its classes log through ours, not log4j
    gov.nist.core.CommonLogger.useLegacyLogger = true;
    gov.nist.core.CommonLogger.legacyLogger = new SilentStackLogger();
    DefaultSipTimer plain = new DefaultSipTimer();
    plain.start(null, new Properties());
    plain.stop();
    assertThatThrownBy(() -> plain.schedule(task(), 10)).isInstanceOf(IllegalStateException.class);

    QuietSipTimer quiet = new QuietSipTimer();
    quiet.start(null, new Properties());
    assertThat(quiet.schedule(task(), 10_000)).isTrue();
    quiet.stop();
    assertThat(quiet.schedule(task(), 10)).isFalse();
    assertThat(quiet.scheduleWithFixedDelay(task(), 10, 10)).isFalse();
  }
}
