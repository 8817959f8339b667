package org.pqsip.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RouteTableTest {
  private final RouteTable table = RouteTable.parse(List.of(
      "# site B's extensions go over the PQ trunk",
      "sip:2*@site-b.example -> sips:198.51.100.20:5061",
      "",
      "sip:*@site-a.example -> sip:127.0.0.1:5060;transport=tcp",
      "sip:operator@*.example -> sip:203.0.113.5:5060"));

  @Test
  void theFirstMatchingLineWins_withGlobsOnUserAndHost() {
    assertThat(table.size()).isEqualTo(3);
    assertThat(table.route("sip:2001@site-b.example").orElseThrow().nextHop()).isEqualTo("sips:198.51.100.20:5061");
    assertThat(table.route("sip:2001@SITE-B.example:5060;transport=udp").orElseThrow().line()).isEqualTo(2);
    assertThat(table.route("sip:alice@site-a.example").orElseThrow().nextHop()).startsWith("sip:127.0.0.1");
    assertThat(table.route("sip:operator@site-b.example").orElseThrow().line()).isEqualTo(5);
    assertThat(table.route("sip:3001@site-b.example")).isEmpty();
    assertThat(table.route("sip:2001@site-b.example.evil")).isEmpty();
    assertThat(table.route("tel:+4912345")).isEmpty();
  }

  @Test
  void patternCharactersAreLiteral_exceptTheStar() {
    RouteTable t = RouteTable.parse(List.of("sip:a.b@x.example -> sip:192.0.2.1"));
    assertThat(t.route("sip:a.b@x.example")).isPresent();
    assertThat(t.route("sip:aXb@x.example")).as("the dot is a dot").isEmpty();
    assertThat(t.route("sip:a.b@xyexample")).isEmpty();
  }

  @Test
  void aBadLineIsRefusedWithItsNumber() {
    assertThatThrownBy(() -> RouteTable.parse(List.of("", "sip:*@b.example sip:1.2.3.4")))
        .hasMessage("route line 2: needs one 'PATTERN -> NEXT-HOP'");
    assertThatThrownBy(() -> RouteTable.parse(List.of("b.example -> sip:1.2.3.4")))
        .hasMessageStartingWith("route line 1: pattern must look like");
    assertThatThrownBy(() -> RouteTable.parse(List.of("sip:*@b.example -> 1.2.3.4")))
        .hasMessage("route line 1: next hop must be a sip: or sips: URI");
    assertThatThrownBy(() -> RouteTable.parse(List.of("sip:*@b -> sip:x -> sip:y")))
        .hasMessageStartingWith("route line 1: needs one");
  }
}
