package org.pqsip.sdp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SessionDescriptionTest {
  static final String BASIC =
      "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\na=tool:x\r\n"
          + "m=audio 4000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
          + "m=video 0 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n";

  @Test
  void roundTripsExactly() throws SdpException {
    SessionDescription sdp = SessionDescription.parse(BASIC);
    assertThat(sdp.format()).isEqualTo(BASIC);
    assertThat(sdp.media()).hasSize(2);
    assertThat(sdp.media().get(0).port()).isEqualTo(4000);
    assertThat(sdp.media().get(0).formats()).containsExactly("0", "8");
    assertThat(sdp.media().get(0).attributeValues("rtpmap")).containsExactly("0 PCMU/8000");
    assertThat(sdp.media().get(0).attributeValues("sendrecv")).containsExactly("");
    assertThat(sdp.attributeValues("tool")).containsExactly("x");
  }

  @Test
  void acceptsLfOnlyLineEndings() throws SdpException {
    assertThat(SessionDescription.parse(BASIC.replace("\r\n", "\n")).format()).isEqualTo(BASIC);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "v=1\r\no=- 1 1 IN IP4 h\r\ns=-\r\n",
        "v=0\r\ns=-\r\n",
        "v=0\r\no=- 1 1 IN IP4 h\r\no=- 1 1 IN IP4 h\r\ns=-\r\n",
        "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nm=audio\r\n",
        "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nm=audio x RTP/AVP 0\r\n",
        "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nm=audio 70000 RTP/AVP 0\r\n",
        "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nXY\r\n",
        "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\na=x\u0000y\r\n",
        "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nA=x\r\n",
        "garbage",
      })
  void malformedBodiesAreCheckedErrors(String body) {
    assertThatThrownBy(() -> SessionDescription.parse(body)).isInstanceOf(SdpException.class);
  }

  @Test
  void oversizedBodyIsRefused() {
    String big = BASIC + "a=x:" + "y".repeat(SessionDescription.MAX_BYTES) + "\r\n";
    assertThatThrownBy(() -> SessionDescription.parse(big)).isInstanceOf(SdpException.class).hasMessageContaining("larger");
  }
}
