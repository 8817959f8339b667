package org.pqsip.sip;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.sip.InvalidArgumentException;
import javax.sip.SipProvider;
import javax.sip.address.Address;
import javax.sip.address.AddressFactory;
import javax.sip.address.SipURI;
import javax.sip.header.ContactHeader;
import javax.sip.header.HeaderFactory;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Message;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;

/**
 * The SIP messages the phone writes: INVITE, REGISTER and responses, with the Via and Contact
 * that name the transport the message really leaves on. Builds; sends nothing.
 */
final class SipMessages {
  private final PhoneConfig config;
  private final SecureRandom random;
  private final SipProvider provider;
  private final AddressFactory addresses;
  private final HeaderFactory headers;
  private final MessageFactory messages;

  SipMessages(PhoneConfig config, SecureRandom random, SipProvider provider, AddressFactory addresses,
      HeaderFactory headers, MessageFactory messages) {
    this.config = config;
    this.random = random;
    this.provider = provider;
    this.addresses = addresses;
    this.headers = headers;
    this.messages = messages;
  }

  /**
   * A new dialog's INVITE to {@code target} with {@code offer} (SDP), from our address-of-record,
   * or from {@code fromUser} at our host (the trunk gateway passes the caller's number on).
   */
  Request invite(SipURI target, String offer, Optional<String> fromUser) throws ParseException, InvalidArgumentException {
    Address from = addresses.createAddress(config.user());
    if (fromUser.isPresent()) {
      ((SipURI) from.getURI()).setUser(fromUser.get());
    }
    Address to = addresses.createAddress(target.clone().toString());
    ((SipURI) to.getURI()).removeParameter("transport");
    String transport = transportFor(target);
    Request invite = messages.createRequest(
        target, Request.INVITE, provider.getNewCallId(), headers.createCSeqHeader(1L, Request.INVITE),
        headers.createFromHeader(from, Long.toHexString(random.nextLong())),
        headers.createToHeader(to, null), vias(transport), headers.createMaxForwardsHeader(70));
    invite.addHeader(contact(transport));
    setSdp(invite, offer);
    return invite;
  }

  /** A REGISTER of our contact at the registrar of our address-of-record. */
  Request register(Duration expires, String callId, long cseq) throws ParseException, InvalidArgumentException {
    SipURI aor = (SipURI) addresses.createURI(config.user());
    SipURI registrar = addresses.createSipURI(null, aor.getHost());
    Address self = addresses.createAddress(config.user());
    String transport = transportFor(registrar);
    Request reg = messages.createRequest(
        registrar, Request.REGISTER, headers.createCallIdHeader(callId), headers.createCSeqHeader(cseq, Request.REGISTER),
        headers.createFromHeader(self, Long.toHexString(random.nextLong())), headers.createToHeader(self, null),
        vias(transport), headers.createMaxForwardsHeader(70));
    reg.addHeader(contact(transport));
    reg.addHeader(headers.createExpiresHeader((int) expires.toSeconds()));
    return reg;
  }

  /**
   * The response {@code code} to {@code req}, with a {@code Warning: 399 pqsip "…"} and an SDP
   * body where given; a 2xx to an INVITE gets a To tag and our Contact.
   */
  Response response(int code, Request req, Optional<String> warning, Optional<String> sdp)
      throws ParseException, InvalidArgumentException {
    return response(code, req, warning, sdp, java.util.Map.of());
  }

  /** As above, with {@code extra} headers (name to value) on a 2xx. */
  Response response(int code, Request req, Optional<String> warning, Optional<String> sdp, java.util.Map<String, String> extra)
      throws ParseException, InvalidArgumentException {
    Response resp = messages.createResponse(code, req);
    if (code >= 200 && code < 300) {
      for (java.util.Map.Entry<String, String> h : extra.entrySet()) {
        resp.addHeader(headers.createHeader(h.getKey(), h.getValue()));
      }
    }
    if (warning.isPresent()) {
      resp.addHeader(headers.createWarningHeader("pqsip", 399, warning.get().replace('"', '\'')));
    }
    if (code >= 200 && code < 300 && req.getMethod().equals(Request.INVITE)) {
      ToHeader to = (ToHeader) resp.getHeader(ToHeader.NAME);
      if (to.getTag() == null) {
        to.setTag(Long.toHexString(random.nextLong()));
      }
      resp.addHeader(contact(((ViaHeader) req.getHeader(ViaHeader.NAME)).getTransport()));
    }
    if (sdp.isPresent()) {
      setSdp(resp, sdp.get());
    }
    return resp;
  }

  /**
   * The transport of the first hop: TLS for a TLS phone; else the URI's transport parameter or
   * the outbound proxy's if given, else UDP; the router then moves large requests to TCP (RFC
   * 3261 §18.1.1). The Via and Contact must name the transport the request really leaves on, so
   * a pqkem INVITE (always larger than 1300 bytes) gets TCP here too.
   */
  String transportFor(SipURI target) {
    if (config.tls().isPresent()) {
      return "tls"; // a TLS phone sends nothing in clear
    }
    String t = target.getTransportParam();
    if (t == null && config.outboundProxy().isPresent()) {
      String o = config.outboundProxy().get();
      t = o.contains("/") ? o.substring(o.indexOf('/') + 1) : null;
    }
    if (t == null) {
      t = config.keying().policy() == org.pqsip.keying.Policy.OFF && !config.keying().sdes() ? "udp" : "tcp";
    }
    return t.toLowerCase(Locale.ROOT);
  }

  ContactHeader contact(String transport) throws ParseException {
    String aor = config.user();
    String s = aor.substring(aor.indexOf(':') + 1);
    SipURI uri = addresses.createSipURI(s.substring(0, s.indexOf('@')), config.sipAddress().getAddress().getHostAddress());
    uri.setPort(config.sipAddress().getPort());
    uri.setTransportParam(transport);
    return headers.createContactHeader(addresses.createAddress(uri));
  }

  void setSdp(Message m, String sdp) throws ParseException {
    m.setContent(sdp.getBytes(StandardCharsets.UTF_8), headers.createContentTypeHeader("application", "sdp"));
  }

  private List<ViaHeader> vias(String transport) throws ParseException, InvalidArgumentException {
    ViaHeader via = headers.createViaHeader(
        config.sipAddress().getAddress().getHostAddress(), config.sipAddress().getPort(), transport, null);
    via.setRPort();
    return new ArrayList<>(List.of(via));
  }

  /**
   * RFC 3581 {@code rport} on the top Via of a request the stack built (in-dialog requests): the
   * peer answers to the address and port the request came from, which is what crosses NATs and
   * what UAs like linphone otherwise replace with a new connection to the Via host.
   */
  static void askForRport(Request r) throws InvalidArgumentException {
    ViaHeader via = (ViaHeader) r.getHeader(ViaHeader.NAME);
    if (via != null) {
      via.setRPort();
    }
  }
}
