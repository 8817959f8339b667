package org.pqsip.ice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.pqsip.sdp.SdpException;
import org.pqsip.sdp.SessionDescription;

class IceDescriptionTest {
  /** As baresip writes it: session-level credentials, host/srflx/relay candidates, two components. */
  static final String BARESIP_LIKE = String.join("\r\n",
      "v=0", "o=- 1 2 IN IP4 198.51.100.20", "s=-", "c=IN IP4 198.51.100.20", "t=0 0",
      "a=ice-ufrag:Fx3q", "a=ice-pwd:Rm3KZFUKqgxOmp6U0XvT2M", "a=pq-nat:address-dependent",
      "m=audio 40000 RTP/AVP 0",
      "a=candidate:1 1 UDP 2113932031 198.51.100.20 40000 typ host",
      "a=candidate:2 1 UDP 1677722111 203.0.113.2 61234 typ srflx raddr 198.51.100.20 rport 40000 generation 0",
      "a=candidate:3 1 UDP 16777215 203.0.113.10 50002 typ relay raddr 203.0.113.2 rport 61234",
      "a=candidate:4 1 TCP 1518280447 198.51.100.20 9 typ host tcptype active",
      "a=candidate:5 1 UDP 2122260223 3b3e6f0c-1f2a-4c5b-9d1e-2f3a4b5c6d7e.local 40002 typ host",
      "a=end-of-candidates", "");

  @Test
  void readsCredentialsCandidatesCompletenessAndNatClass() throws Exception {
    IceDescription d = IceDescription.of(SessionDescription.parse(BARESIP_LIKE), 0).orElseThrow();
    assertThat(d.ufrag()).isEqualTo("Fx3q");
    assertThat(d.candidates()).hasSize(3);
    assertThat(d.skipped()).as("the TCP and the mDNS candidate").isEqualTo(2);
    IceCandidate srflx = d.candidates().get(1);
    assertThat(srflx.type()).isEqualTo(IceCandidate.Type.SRFLX);
    assertThat(srflx.address()).isEqualTo(new InetSocketAddress("203.0.113.2", 61234));
    assertThat(srflx.related()).contains(new InetSocketAddress("198.51.100.20", 40000));
    assertThat(d.candidates().get(2).type().path()).isEqualTo(PathKind.RELAY);
    assertThat(d.complete()).isTrue();
    assertThat(d.nat()).isEqualTo(NatClass.ADDRESS_DEPENDENT);
  }

  @Test
  void withoutCredentialsThePeerDoesNotDoIce() throws Exception {
    String plain = String.join("\r\n", "v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
        "m=audio 40000 RTP/AVP 0", "");
    assertThat(IceDescription.of(SessionDescription.parse(plain), 0)).isEmpty();
  }

  @Test
  void ourOwnDescriptionRoundTrips() throws Exception {
    IceCandidate host = new IceCandidate("1", 1, 2130706431L, new InetSocketAddress("198.51.100.20", 40000),
        IceCandidate.Type.HOST, Optional.empty());
    IceCandidate relay = new IceCandidate("3", 1, 16777215L, new InetSocketAddress("203.0.113.10", 50000),
        IceCandidate.Type.RELAY, Optional.of(new InetSocketAddress("203.0.113.2", 61234)));
    IceDescription ours = new IceDescription("abcd", "0123456789abcdefghijkl", List.of(host, relay), true,
        NatClass.UNKNOWN, 0);
    SessionDescription base = SessionDescription.parse(String.join("\r\n", "v=0", "o=- 1 2 IN IP4 198.51.100.20", "s=-",
        "c=IN IP4 198.51.100.20", "t=0 0", "m=audio 40000 RTP/AVP 0", ""));
    SessionDescription sdp = base.withMedia(List.of(ours.addTo(base.media().get(0))));
    IceDescription back = IceDescription.of(SessionDescription.parse(sdp.format()), 0).orElseThrow();
    assertThat(back.candidates()).containsExactly(host, relay);
    assertThat(back.complete()).isTrue();
    assertThat(sdp.format()).contains("a=end-of-candidates\r\n");
  }

  @Test
  void malformedIceIsAnSdpErrorThatSaysWhy() {
    assertThatThrownBy(() -> IceCandidate.parse("1 1 UDP 99 198.51.100.20 40000 typ")).isInstanceOf(SdpException.class);
    assertThatThrownBy(() -> IceCandidate.parse("1 1 UDP x 198.51.100.20 40000 typ host")).hasMessageContaining("number");
    assertThatThrownBy(() -> IceCandidate.parse("1 1 UDP 99 198.51.100.20 70000 typ host")).hasMessageContaining("port");
    assertThatThrownBy(() -> IceCandidate.parse("1 1 UDP 99 198.51.100.20 4000 typ bogus")).hasMessageContaining("type");
    assertThatThrownBy(() -> IceCandidate.parse("1 999 UDP 99 198.51.100.20 4000 typ host")).hasMessageContaining("range");
    assertThatThrownBy(() -> IceCandidate.parse("1 1 UDP 99 " + "9".repeat(600) + " 4000 typ host")).hasMessageContaining("longer");
    String onlyUfrag = String.join("\r\n", "v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
        "a=ice-ufrag:abcd", "m=audio 40000 RTP/AVP 0", "");
    assertThatThrownBy(() -> IceDescription.of(SessionDescription.parse(onlyUfrag), 0)).hasMessageContaining("together");
    String shortPwd = onlyUfrag.replace("a=ice-ufrag:abcd", "a=ice-ufrag:abcd\r\na=ice-pwd:short");
    assertThatThrownBy(() -> IceDescription.of(SessionDescription.parse(shortPwd), 0)).isInstanceOf(SdpException.class);
  }
}
