package org.pqsip.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NAT discovery as a phone does it at start (`./pq phone --relay turn:…`): our relay listens on
 * two public addresses (RFC 5780 OTHER-ADDRESS), and each phone's {@code ready} line names its
 * NAT class: behind plain MASQUERADE endpoint-independent, behind {@code --random-fully}
 * address-dependent ("symmetric"), on the public segment itself open. Real sockets, real NAT
 * (iptables in namespaces this test creates and deletes).
 */
@Tag("external")
class NatDiscoveryIT {
  static final Duration T = Duration.ofSeconds(30);
  static final String SECRET = "nat-discovery-test-secret";

  @TempDir Path dir;
  private final List<ExternalProcess> started = new ArrayList<>();
  private NatTopology net;

  @AfterEach
  void cleanUp() throws Exception {
    for (ExternalProcess p : started) {
      p.close(); // by handle: what this test started
    }
    if (net != null) {
      net.close();
    }
  }

  private ExternalProcess java(String role, String name, String mainClass, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(net.in(role, "java", "-cp", System.getProperty("java.class.path"), mainClass));
    cmd.addAll(List.of(args));
    ExternalProcess p = ExternalProcess.start(name, cmd);
    started.add(p);
    return p;
  }

  private String phoneReady(String role, String ip) throws Exception {
    ExternalProcess phone = java(role, "phone-" + role, "org.pqsip.phone.Phone", "--sip", "tcp:" + ip + ":5060",
        "--user", "sip:" + role + "@pq.test", "--media", ip + ":40000-40099", "--json",
        "--state-dir", dir.resolve(role).toString(),
        "--relay", "turn:" + NatTopology.RELAY_IP + ":3478", "--relay-secret", SECRET);
    return phone.awaitLine("\"event\":\"ready\"", T);
  }

  @Test
  void eachPhoneLearnsItsNatClassFromTheRelaysTwoAddresses() throws Exception {
    String prefix = "pqn" + (ProcessHandle.current().pid() % 100000);
    net = NatTopology.create(prefix, NatTopology.Mapping.ENDPOINT_INDEPENDENT, NatTopology.Mapping.ADDRESS_DEPENDENT);
    ExternalProcess relay = java("srv", "relay", "org.pqsip.relay.cli.Relay",
        "--listen", "udp:" + NatTopology.RELAY_IP + ":3478,udp:" + NatTopology.RELAY_IP2 + ":3478",
        "--realm", "pq.test", "--auth-secret", SECRET, "--relay-ip", NatTopology.RELAY_IP);
    relay.awaitLine("relay ready", T);

    assertThat(phoneReady("hA", NatTopology.HOST_A)).contains("\"nat\":\"endpoint-independent\"");
    assertThat(phoneReady("hB", NatTopology.HOST_B)).contains("\"nat\":\"address-dependent\"");
    assertThat(phoneReady("srv", NatTopology.RELAY_IP2)).contains("\"nat\":\"open\"");
    assertThat(relay.output()).as("the relay says nothing per client").doesNotContain("198.51.100").doesNotContain("203.0.113.2");
  }
}
