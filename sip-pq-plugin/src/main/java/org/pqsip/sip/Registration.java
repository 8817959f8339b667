package org.pqsip.sip;

import java.text.ParseException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sip.ClientTransaction;
import javax.sip.InvalidArgumentException;
import javax.sip.ResponseEvent;
import javax.sip.SipException;
import javax.sip.SipProvider;
import javax.sip.header.ContactHeader;
import javax.sip.header.ExpiresHeader;
import javax.sip.message.Response;

/**
 * Our registration with the registrar (the outbound proxy): REGISTER, refreshed at half the
 * granted lifetime, one Call-ID and increasing CSeq as RFC 3261 §10.2 asks. Emits
 * {@code registered} or {@code error}.
 */
final class Registration {
  private final PhoneConfig config;
  private final SipProvider provider;
  private final SipMessages messages;
  private final PhoneEvents events;
  private final ScheduledExecutorService timers;
  private final Map<ClientTransaction, Integer> pending = new ConcurrentHashMap<>();
  private volatile long cseq = 1;
  private volatile String callId;

  Registration(PhoneConfig config, SipProvider provider, SipMessages messages, PhoneEvents events,
      ScheduledExecutorService timers) {
    this.config = config;
    this.provider = provider;
    this.messages = messages;
    this.events = events;
    this.timers = timers;
  }

  void register(Duration expires) {
    if (config.outboundProxy().isEmpty()) {
      error("registering needs a registrar: give an outbound proxy (--proxy host:port/tcp)");
      return;
    }
    try {
      if (callId == null) {
        callId = provider.getNewCallId().getCallId();
      }
      ClientTransaction tx = provider.getNewClientTransaction(messages.register(expires, callId, cseq++));
      pending.put(tx, (int) expires.toSeconds());
      tx.sendRequest();
    } catch (ParseException | SipException | InvalidArgumentException | RuntimeException e) {
      error("cannot register: " + e.getMessage());
    }
  }

  /** A response to one of our REGISTERs (false: not ours). */
  boolean onResponse(ResponseEvent ev) {
    Integer expires = pending.remove(ev.getClientTransaction());
    if (expires == null) {
      return false;
    }
    Response r = ev.getResponse();
    if (r.getStatusCode() < 200) {
      pending.put(ev.getClientTransaction(), expires);
      return true;
    }
    if (r.getStatusCode() >= 300) {
      error("registration refused: " + r.getStatusCode() + " " + r.getReasonPhrase());
      return true;
    }
    ExpiresHeader granted = (ExpiresHeader) r.getHeader(ExpiresHeader.NAME);
    ContactHeader c = (ContactHeader) r.getHeader(ContactHeader.NAME);
    int seconds = c != null && c.getExpires() > 0 ? c.getExpires() : granted != null ? granted.getExpires() : expires;
    if (expires == 0) {
      return true; // unregistered
    }
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("expires", seconds);
    events.event("registered", f);
    timers.schedule(() -> register(Duration.ofSeconds(expires)), Math.max(5, seconds / 2), TimeUnit.SECONDS);
    return true;
  }

  /** A REGISTER of ours timed out (false: not ours). */
  boolean onTimeout(ClientTransaction tx) {
    if (tx == null || pending.remove(tx) == null) {
      return false;
    }
    error("registrar did not answer (REGISTER timed out)");
    return true;
  }

  private void error(String message) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("call", 0);
    f.put("message", message);
    events.event("error", f);
  }
}
