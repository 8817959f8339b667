package org.pqsip.sip.stack;

import gov.nist.core.StackLogger;
import java.util.Properties;

/**
 * JAIN-SIP's logger, switched off for good: the stack would otherwise write whole SIP messages
 * (addresses, user names, Call-IDs) at debug levels. Our privacy promise is that nothing per call
 * is logged, so there is no level at which this logger writes.
 */
public final class SilentStackLogger implements StackLogger {
  @Override public void logStackTrace() {}
  @Override public void logStackTrace(int traceLevel) {}
  @Override public int getLineCount() { return 0; }
  @Override public void logException(Throwable ex) {}
  @Override public void logDebug(String message) {}
  @Override public void logDebug(String message, Exception ex) {}
  @Override public void logTrace(String message) {}
  @Override public void logFatalError(String message) {}
  @Override public void logError(String message) {}
  @Override public boolean isLoggingEnabled() { return false; }
  @Override public boolean isLoggingEnabled(int logLevel) { return false; }
  @Override public void logError(String message, Exception ex) {}
  @Override public void logWarning(String message) {}
  @Override public void logInfo(String message) {}
  @Override public void disableLogging() {}
  @Override public void enableLogging() {}
  @Override public void setBuildTimeStamp(String buildTimeStamp) {}
  @Override public void setStackProperties(Properties stackProperties) {}
  @Override public String getLoggerName() { return "silent"; }
}
