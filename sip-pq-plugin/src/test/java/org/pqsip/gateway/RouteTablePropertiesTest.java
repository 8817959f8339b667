package org.pqsip.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;

/** Whatever an admin writes, the route file gives a route table or one clear error. */
class RouteTablePropertiesTest {
  @Property(tries = 2000)
  void anyTextParsesOrIsRefusedWithALineNumber(@ForAll @StringLength(max = 80) String a,
      @ForAll @StringLength(max = 80) String b) {
    try {
      RouteTable t = RouteTable.parse(List.of(a, "sip:" + b + " -> sip:" + a, b + "->" + a));
      assertThat(t.size()).isBetween(0, 3);
      t.route(a);
      t.route("sip:" + b);
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).startsWith("route line ");
    }
  }
}
