package org.pqsip.sip.stack;

import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.stack.DefaultRouter;
import gov.nist.javax.sip.stack.HopImpl;
import java.nio.charset.StandardCharsets;
import javax.sip.SipException;
import javax.sip.SipStack;
import javax.sip.address.Hop;
import javax.sip.message.Request;

/**
 * RFC 3261 §18.1.1, which JAIN-SIP does not implement: a request within 200 bytes of the path
 * MTU (1500), or larger than 1300 bytes when the MTU is unknown, MUST go over a
 * congestion-controlled transport. A pqkem INVITE is about 2.6 KB, so a next hop chosen as UDP
 * is switched to TCP. Everything else is the default router's choice.
 */
public final class MessageSizeRouter extends DefaultRouter {
  public static final int UDP_LIMIT = 1300;

  public MessageSizeRouter(SipStack stack, String outboundProxy) {
    super(stack, outboundProxy);
  }

  @Override
  public Hop getNextHop(Request request) throws SipException {
    Hop hop = super.getNextHop(request);
    if (hop != null && "UDP".equalsIgnoreCase(hop.getTransport()) && tooLargeForUdp(request)) {
      return new HopImpl(hop.getHost(), hop.getPort(), "TCP");
    }
    return hop;
  }

  static boolean tooLargeForUdp(Request request) {
    if (request instanceof SIPRequest r) {
      return r.encodeAsBytes("UDP").length > UDP_LIMIT;
    }
    return request.toString().getBytes(StandardCharsets.UTF_8).length > UDP_LIMIT;
  }
}
