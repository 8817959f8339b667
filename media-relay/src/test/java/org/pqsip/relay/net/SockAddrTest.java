package org.pqsip.relay.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The native address form the JNI calls carry: encoding, matching, decoding (sans-IO, no library needed). */
class SockAddrTest {
  private final ByteBuffer meta = ByteBuffer.allocate(UdpBatch.META).order(ByteOrder.nativeOrder());

  private void store(SockAddr a) {
    meta.putInt(UdpBatch.FAMILY, a.familyPort).putLong(UdpBatch.ADDRESS, a.hi).putLong(UdpBatch.ADDRESS + 8, a.lo);
  }

  @Test
  void ipv4OnAnIpv4SocketRoundTrips() throws Exception {
    InetSocketAddress a = new InetSocketAddress(InetAddress.getByName("198.51.100.7"), 40000);
    SockAddr s = new SockAddr(false).set(a);
    store(s);
    assertThat(meta.getShort(UdpBatch.FAMILY)).isEqualTo((short) 4);
    assertThat(meta.getShort(UdpBatch.PORT) & 0xffff).isEqualTo(40000);
    assertThat(SockAddr.decode(meta, 0)).isEqualTo(a);
    assertThat(s.matches(meta, 0)).isTrue();
    assertThat(s.from(meta, 0)).isSameAs(a); // the held address, nothing decoded
  }

  @Test
  void ipv4OnADualStackSocketIsV4MappedAndDecodesAsIpv4() throws Exception {
    InetSocketAddress a = new InetSocketAddress(InetAddress.getByName("203.0.113.5"), 3478);
    store(new SockAddr(true).set(a));
    assertThat(meta.getShort(UdpBatch.FAMILY)).isEqualTo((short) 6);
    assertThat(meta.get(UdpBatch.ADDRESS + 10)).isEqualTo((byte) 0xff);
    assertThat(SockAddr.decode(meta, 0)).isEqualTo(a);
  }

  @Test
  void anotherSenderIsDecodedAndThenHeld() throws Exception {
    SockAddr held = new SockAddr(false).set(new InetSocketAddress(InetAddress.getByName("198.51.100.1"), 1000));
    InetSocketAddress other = new InetSocketAddress(InetAddress.getByName("198.51.100.2"), 1000);
    store(new SockAddr(false).set(other));
    assertThat(held.matches(meta, 0)).isFalse();
    assertThat(held.from(meta, 0)).isEqualTo(other);
    assertThat(held.matches(meta, 0)).isTrue();
  }

  @Test
  void ipv6OnAnIpv4SocketHasNoFamily() throws Exception {
    SockAddr s = new SockAddr(false).set(new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 5));
    store(s);
    assertThat(meta.getShort(UdpBatch.FAMILY)).as("refused by the native calls").isZero();
  }
}
