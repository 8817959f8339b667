package org.pqsip.sip.stack;

import gov.nist.core.ServerLogger;
import gov.nist.javax.sip.message.SIPMessage;
import java.util.Properties;
import javax.sip.SipStack;

/** JAIN-SIP's message logger, switched off: no SIP message is ever written anywhere. */
public final class SilentServerLogger implements ServerLogger {
  @Override public void closeLogFile() {}
  @Override public void logMessage(SIPMessage m, String from, String to, boolean sender, long time) {}
  @Override public void logMessage(SIPMessage m, String from, String to, String status, boolean sender, long time) {}
  @Override public void logMessage(SIPMessage m, String from, String to, String status, boolean sender) {}
  @Override public void logException(Exception ex) {}
  @Override public void setStackProperties(Properties stackProperties) {}
  @Override public void setSipStack(SipStack sipStack) {}
}
