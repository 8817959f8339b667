package org.pqsip.ice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class RelayUriTest {
  @Test
  void rfc7065Forms() {
    assertThat(RelayUri.parse("turn:203.0.113.10:3478")).isEqualTo(new RelayUri("udp", new InetSocketAddress("203.0.113.10", 3478)));
    assertThat(RelayUri.parse("turn:203.0.113.10:3478?transport=tcp").transport()).isEqualTo("tcp");
    assertThat(RelayUri.parse("turn:203.0.113.10:5349?transport=tls").transport()).isEqualTo("tls");
    assertThat(RelayUri.parse("turns:203.0.113.10:5349").transport()).isEqualTo("tls");
    assertThat(RelayUri.parse("turns:203.0.113.10:5349?transport=tcp").transport()).isEqualTo("tls");
    assertThat(RelayUri.parse("turn:[2001:db8::1]:3478").address()).isEqualTo(new InetSocketAddress("2001:db8::1", 3478));
  }

  @Test
  void namesAndMalformedValuesAreRefusedWithTheReason() {
    assertThatThrownBy(() -> RelayUri.parse("turn:relay.example.net:3478")).hasMessageContaining("no DNS");
    assertThatThrownBy(() -> RelayUri.parse("stun:203.0.113.10:3478")).hasMessageContaining("turn:");
    assertThatThrownBy(() -> RelayUri.parse("turn:203.0.113.10")).hasMessageContaining("HOST:PORT");
    assertThatThrownBy(() -> RelayUri.parse("turn:203.0.113.10:70000")).hasMessageContaining("out of range");
    assertThatThrownBy(() -> RelayUri.parse("turn:203.0.113.10:3478?transport=sctp")).hasMessageContaining("udp, tcp or tls");
    assertThatThrownBy(() -> RelayUri.parse("turn:203.0.113.10:3478?foo=bar")).hasMessageContaining("transport=");
    assertThatThrownBy(() -> RelayUri.parse("turns:203.0.113.10:3478?transport=udp")).hasMessageContaining("TLS");
  }

  @Test
  void printsNoAddress() {
    assertThat(RelayUri.parse("turn:203.0.113.10:3478").toString()).doesNotContain("203.0.113");
  }
}
