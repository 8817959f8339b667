package org.pqsip.ice;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.pqsip.stun.MappedAddress;
import org.pqsip.stun.StunAttribute;
import org.pqsip.stun.StunClass;
import org.pqsip.stun.StunException;
import org.pqsip.stun.StunMessage;
import org.pqsip.stun.StunMethod;
import org.pqsip.stun.XorAddress;

/**
 * RFC 5780 mapping-behaviour discovery against our relay, sans-IO: a Binding request to the
 * relay's primary address, then (if its answer names an OTHER-ADDRESS) one to that, both from the
 * same local socket; the two mapped addresses give the {@link NatClass}. The driver sends
 * {@link #request()} to {@link #destination()}, feeds every datagram that arrives to
 * {@link #onDatagram}, and resends or gives up on its own timer. Answers that are not STUN, not
 * for the current transaction or not a Binding success are ignored (a stray packet cannot steer
 * the result); the result is only as trustworthy as the relay's network path, and only chooses
 * which path carries encrypted media.
 */
public final class NatProbe {
  private final RandomGenerator random;
  private InetSocketAddress destination;
  private byte[] transaction = new byte[12];
  private byte[] request;
  private InetSocketAddress mappedByPrimary;
  private InetSocketAddress mappedByOther;
  private boolean done;

  public NatProbe(InetSocketAddress relay, RandomGenerator random) {
    this.random = random;
    next(relay);
  }

  /** Where the current request goes. */
  public InetSocketAddress destination() {
    return destination;
  }

  /** The current Binding request (the same bytes on every retransmission, RFC 8489 §6.2.1). */
  public byte[] request() {
    return request.clone();
  }

  /** Whether both answers (or the only possible one) are in. */
  public boolean done() {
    return done;
  }

  /** A datagram from {@code source}; true when it was the answer we waited for. */
  public boolean onDatagram(InetSocketAddress source, byte[] b, int off, int len) {
    if (done || !destination.equals(source) || !StunMessage.looksLikeStun(b, off, len)) {
      return false;
    }
    StunMessage m;
    InetSocketAddress mapped;
    try {
      m = StunMessage.decode(b, off, len);
      if (m.messageClass() != StunClass.SUCCESS || m.method() != StunMethod.BINDING
          || !java.util.Arrays.equals(m.transactionId(), transaction)) {
        return false;
      }
      Optional<StunAttribute> xor = m.attribute(StunAttribute.XOR_MAPPED_ADDRESS);
      if (xor.isEmpty()) {
        return false;
      }
      mapped = XorAddress.decode(xor.get().value(), transaction);
    } catch (StunException e) {
      return false;
    }
    if (mappedByPrimary == null) {
      mappedByPrimary = mapped;
      Optional<InetSocketAddress> other = otherAddress(m);
      if (other.isPresent() && !other.get().equals(destination)) {
        next(other.get());
      } else {
        done = true;
      }
    } else {
      mappedByOther = mapped;
      done = true;
    }
    return true;
  }

  /** Our address as the relay's primary listener saw it (the server-reflexive candidate). */
  public Optional<InetSocketAddress> mappedAddress() {
    return Optional.ofNullable(mappedByPrimary);
  }

  /** The class for a socket bound to {@code local}, from what has been answered so far. */
  public NatClass result(InetSocketAddress local) {
    return NatClass.classify(local, Optional.ofNullable(mappedByPrimary), Optional.ofNullable(mappedByOther));
  }

  private static Optional<InetSocketAddress> otherAddress(StunMessage m) {
    Optional<StunAttribute> other = m.attribute(StunAttribute.OTHER_ADDRESS);
    if (other.isEmpty()) {
      return Optional.empty();
    }
    try {
      InetSocketAddress a = MappedAddress.decode(other.get().value());
      return a.getPort() == 0 || a.getAddress().isAnyLocalAddress() ? Optional.empty() : Optional.of(a);
    } catch (StunException e) {
      return Optional.empty();
    }
  }

  private void next(InetSocketAddress to) {
    destination = to;
    transaction = new byte[12];
    for (int i = 0; i < 12; i++) {
      transaction[i] = (byte) random.nextInt();
    }
    request = StunMessage.of(StunClass.REQUEST, StunMethod.BINDING, transaction, List.of()).encode(null, false, true);
  }
}
