package org.pqsip.stun;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** XOR-MAPPED/-RELAYED/-PEER-ADDRESS values (RFC 8489 §14.2): family, port and address XORed. */
public final class XorAddress {
  private XorAddress() {}

  public static byte[] encode(InetSocketAddress a, byte[] transactionId) {
    return encode(a, StunMessage.MAGIC_COOKIE >>> 16, mask(transactionId));
  }

  public static InetSocketAddress decode(byte[] v, byte[] transactionId) throws StunException {
    return decode(v, StunMessage.MAGIC_COOKIE >>> 16, mask(transactionId));
  }

  /** The address value with its port and address XORed with these masks (zeros: MAPPED-ADDRESS). */
  static byte[] encode(InetSocketAddress a, int portMask, byte[] mask) {
    byte[] ip = a.getAddress().getAddress();
    byte[] out = new byte[4 + ip.length];
    out[1] = (byte) (ip.length == 4 ? 0x01 : 0x02);
    int port = a.getPort() ^ portMask;
    out[2] = (byte) (port >>> 8);
    out[3] = (byte) port;
    for (int i = 0; i < ip.length; i++) {
      out[4 + i] = (byte) (ip[i] ^ mask[i]);
    }
    return out;
  }

  static InetSocketAddress decode(byte[] v, int portMask, byte[] mask) throws StunException {
    if (v.length != 8 && v.length != 20) {
      throw new StunException("address attribute has a bad length");
    }
    int family = v[1];
    if ((family == 0x01 && v.length != 8) || (family == 0x02 && v.length != 20) || (family != 1 && family != 2)) {
      throw new StunException("address attribute family does not match its length");
    }
    int port = (((v[2] & 0xff) << 8) | (v[3] & 0xff)) ^ portMask;
    byte[] ip = new byte[v.length - 4];
    for (int i = 0; i < ip.length; i++) {
      ip[i] = (byte) (v[4 + i] ^ mask[i]);
    }
    try {
      InetAddress addr = ip.length == 4 ? Inet4Address.getByAddress(ip) : Inet6Address.getByAddress(null, ip, -1);
      return new InetSocketAddress(addr, port);
    } catch (UnknownHostException e) {
      throw new StunException("bad address bytes");
    }
  }

  private static byte[] mask(byte[] tid) {
    byte[] m = new byte[16];
    StunMessage.writeInt(m, 0, StunMessage.MAGIC_COOKIE);
    System.arraycopy(tid, 0, m, 4, 12);
    return m;
  }
}
