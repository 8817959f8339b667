package org.pqsip.sip.stack;

import gov.nist.javax.sip.stack.SIPStackTimerTask;
import gov.nist.javax.sip.stack.timers.DefaultSipTimer;

/**
 * JAIN-SIP's timer (named in {@code gov.nist.javax.sip.TIMER_CLASS_NAME}), except that a task
 * scheduled after the stack stopped is dropped instead of throwing. With the thread audit on
 * (which lets the UDP pool threads end), the stack's own ping task reschedules itself as the
 * stack stops; the exception then reached JAIN-SIP's timer thread, which prints it on standard
 * output: into {@code ./pq phone --json}'s event stream.
 */
public final class QuietSipTimer extends DefaultSipTimer {
  @Override
  public boolean schedule(SIPStackTimerTask task, long delay) {
    if (!started.get()) {
      return false;
    }
    try {
      return super.schedule(task, delay);
    } catch (IllegalStateException stoppedMeanwhile) {
      return false;
    }
  }

  @Override
  public boolean scheduleWithFixedDelay(SIPStackTimerTask task, long delay, long period) {
    if (!started.get()) {
      return false;
    }
    try {
      return super.scheduleWithFixedDelay(task, delay, period);
    } catch (IllegalStateException stoppedMeanwhile) {
      return false;
    }
  }
}
