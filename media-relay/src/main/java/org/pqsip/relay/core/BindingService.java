package org.pqsip.relay.core;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.pqsip.stun.MappedAddress;
import org.pqsip.stun.StunAttribute;
import org.pqsip.stun.StunClass;
import org.pqsip.stun.StunException;
import org.pqsip.stun.StunMessage;
import org.pqsip.stun.StunMethod;
import org.pqsip.stun.XorAddress;

/**
 * STUN Binding (RFC 8489 §6.3): tells a client its server-reflexive address. Sans-IO: a
 * datagram and its source in, the response (if any) out. Unauthenticated, as the RFC allows for
 * Binding; it holds no state at all, so it remembers nothing about who asked.
 *
 * <p>Garbage, responses and indications get no answer (a relay must not be a reflector for
 * junk); a request with an unknown comprehension-required attribute gets 420 (RFC 8489 §6.3.1).
 */
public final class BindingService {
  /** Attributes a Binding request may carry that we understand. */
  private static final Set<Integer> KNOWN =
      Set.of(StunAttribute.FINGERPRINT, StunAttribute.MESSAGE_INTEGRITY, StunAttribute.MESSAGE_INTEGRITY_SHA256,
          StunAttribute.USERNAME, StunAttribute.REALM, StunAttribute.NONCE);

  private final OtherAddress otherAddress;

  public BindingService(OtherAddress otherAddress) {
    this.otherAddress = otherAddress;
  }

  /** Counters for aggregate metrics; no per-request detail is kept. */
  private long answered;
  private long dropped;

  public long answered() {
    return answered;
  }

  public long dropped() {
    return dropped;
  }

  /**
   * The response to a datagram from {@code source} that arrived on our listen address
   * {@code server}: XOR-MAPPED-ADDRESS, and (RFC 5780) OTHER-ADDRESS and RESPONSE-ORIGIN when the
   * relay listens on a second UDP address.
   */
  public Optional<byte[]> handle(InetSocketAddress source, InetSocketAddress server, byte[] datagram, int off, int len) {
    StunMessage req;
    try {
      req = StunMessage.decode(datagram, off, len);
    } catch (StunException e) {
      dropped++;
      return Optional.empty();
    }
    if (req.messageClass() != StunClass.REQUEST || req.method() != StunMethod.BINDING) {
      dropped++;
      return Optional.empty();
    }
    List<Integer> unknown = req.unknownComprehensionRequired(KNOWN);
    answered++;
    if (!unknown.isEmpty()) {
      return Optional.of(error(req, 420, "Unknown Attribute", unknown, null));
    }
    List<StunAttribute> attrs = new ArrayList<>(3);
    attrs.add(new StunAttribute(StunAttribute.XOR_MAPPED_ADDRESS, XorAddress.encode(source, req.transactionId())));
    Optional<InetSocketAddress> other = otherAddress.otherThan(server);
    if (other.isPresent()) {
      attrs.add(new StunAttribute(StunAttribute.OTHER_ADDRESS, MappedAddress.encode(other.get())));
      attrs.add(new StunAttribute(StunAttribute.RESPONSE_ORIGIN, MappedAddress.encode(server)));
    }
    StunMessage ok = StunMessage.of(StunClass.SUCCESS, StunMethod.BINDING, req.transactionId(), attrs);
    return Optional.of(ok.encode(null, false, true));
  }

  /** An error response, with UNKNOWN-ATTRIBUTES when {@code unknown} is not empty, signed when {@code key} is given. */
  static byte[] error(StunMessage req, int code, String reason, List<Integer> unknown, byte[] key) {
    List<StunAttribute> attrs = new ArrayList<>();
    attrs.add(StunAttribute.errorCode(code, reason));
    if (!unknown.isEmpty()) {
      byte[] u = new byte[2 * unknown.size()];
      for (int i = 0; i < unknown.size(); i++) {
        u[2 * i] = (byte) (unknown.get(i) >>> 8);
        u[2 * i + 1] = (byte) (int) unknown.get(i);
      }
      attrs.add(new StunAttribute(StunAttribute.UNKNOWN_ATTRIBUTES, u));
    }
    return StunMessage.of(StunClass.ERROR, req.method(), req.transactionId(), attrs).encode(key, false, true);
  }
}
