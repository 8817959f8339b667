package org.pqsip.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class MediaPortsTest {
  private static final InetAddress LO = InetAddress.getLoopbackAddress();

  @Test
  void handsOutPairsRoundRobinAndComesBackToFreedOnes() throws IOException {
    MediaPorts ports = new MediaPorts(LO, 44101, 44106); // pairs 44102, 44104, (44106 has no +1)
    UdpMediaTransport a = ports.bind();
    UdpMediaTransport b = ports.bind();
    assertThat(a.localRtp().getPort()).isEqualTo(44102);
    assertThat(b.localRtp().getPort()).isEqualTo(44104);
    assertThatThrownBy(ports::bind).isInstanceOf(IOException.class).hasMessageContaining("no free RTP/RTCP port pair");
    a.close();
    UdpMediaTransport c = ports.bind();
    assertThat(c.localRtp().getPort()).isEqualTo(44102);
    b.close();
    c.close();
  }

  @Test
  void skipsPairsHeldByOthersAndDoesNotRetryThemNextTime() throws IOException {
    try (DatagramSocket busyRtcp = new DatagramSocket(new InetSocketAddress(LO, 44201))) {
      MediaPorts ports = new MediaPorts(LO, 44200, 44205);
      UdpMediaTransport a = ports.bind();
      assertThat(a.localRtp().getPort()).isEqualTo(44202);
      a.close();
      UdpMediaTransport b = ports.bind(); // the cursor wraps to 44204 after the busy pair
      assertThat(b.localRtp().getPort()).isEqualTo(44204);
      b.close();
      assertThat(busyRtcp.isBound()).isTrue();
    }
  }

  @Test
  void refusesARangeWithoutAPair() {
    assertThatThrownBy(() -> new MediaPorts(LO, 44301, 44302)).isInstanceOf(IllegalArgumentException.class);
  }
}
