package org.pqsip.relay.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A UDP address as the JNI calls of {@link UdpBatch} carry it (family and port in one int, the
 * address in two longs: bytes 4..23 of a meta slot), with the {@link InetSocketAddress} it
 * stands for. Mutable and reused: comparing a received address with the cached one and sending
 * to it allocate nothing; only a new address decodes (and allocates).
 */
final class SockAddr {
  int familyPort;
  long hi;
  long lo;
  InetSocketAddress address;
  private final boolean v6Socket;
  private final ByteBuffer scratch = ByteBuffer.allocate(UdpBatch.META).order(ByteOrder.nativeOrder());

  /** For a socket of IPv6 ({@code v6Socket}: IPv4 addresses are v4-mapped on it) or IPv4. */
  SockAddr(boolean v6Socket) {
    this.v6Socket = v6Socket;
  }

  /** Holds {@code a}, unless it is the address already held. */
  SockAddr set(InetSocketAddress a) {
    if (a == address) {
      return this;
    }
    byte[] raw = a.getAddress().getAddress();
    for (int b = UdpBatch.FAMILY; b < UdpBatch.META; b++) {
      scratch.put(b, (byte) 0);
    }
    if (v6Socket) {
      if (raw.length == 4) { // ::ffff:a.b.c.d
        scratch.put(UdpBatch.ADDRESS + 10, (byte) 0xff).put(UdpBatch.ADDRESS + 11, (byte) 0xff);
        scratch.put(UdpBatch.ADDRESS + 12, raw, 0, 4);
      } else {
        scratch.put(UdpBatch.ADDRESS, raw, 0, 16);
      }
      scratch.putShort(UdpBatch.FAMILY, (short) 6);
    } else if (raw.length == 4) {
      scratch.put(UdpBatch.ADDRESS, raw, 0, 4);
      scratch.putShort(UdpBatch.FAMILY, (short) 4);
    } // else an IPv6 address on an IPv4 socket: family 0, which the calls refuse (EINVAL)
    scratch.putShort(UdpBatch.PORT, (short) a.getPort());
    familyPort = scratch.getInt(UdpBatch.FAMILY);
    hi = scratch.getLong(UdpBatch.ADDRESS);
    lo = scratch.getLong(UdpBatch.ADDRESS + 8);
    address = a;
    return this;
  }

  /** Whether meta slot {@code at} holds this address. */
  boolean matches(ByteBuffer meta, int at) {
    return address != null && meta.getInt(at + UdpBatch.FAMILY) == familyPort && meta.getLong(at + UdpBatch.ADDRESS) == hi
        && meta.getLong(at + UdpBatch.ADDRESS + 8) == lo;
  }

  /** The address in meta slot {@code at}: the one held if it matches, else decoded (a v4-mapped address reads as IPv4). */
  InetSocketAddress from(ByteBuffer meta, int at) {
    return matches(meta, at) ? address : set(decode(meta, at)).address;
  }

  static InetSocketAddress decode(ByteBuffer meta, int at) {
    byte[] addr = new byte[meta.getShort(at + UdpBatch.FAMILY) == 4 ? 4 : 16];
    for (int b = 0; b < addr.length; b++) {
      addr[b] = meta.get(at + UdpBatch.ADDRESS + b);
    }
    try {
      return new InetSocketAddress(InetAddress.getByAddress(addr), meta.getShort(at + UdpBatch.PORT) & 0xffff);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("address of 4 or 16 bytes", e);
    }
  }

  static boolean isV6(InetAddress socketAddress) {
    return !(socketAddress instanceof Inet4Address);
  }
}
