package org.pqsip.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.pqsip.api.CallInfo;
import org.pqsip.api.PeerInfo;
import org.pqsip.api.PhoneStatus;
import org.pqsip.api.PqPhone;

class PqCommandsTest {
  /** A phone that records what it was asked; two calls, one peer. */
  static final class FakePhone implements PqPhone {
    final List<String> asked = new ArrayList<>();
    List<CallInfo> calls = List.of(
        new CallInfo(3, "established", Optional.of("caller"), Optional.of("pq"), Optional.of("ML-KEM-1024+X25519"),
            Optional.of("AEAD_AES_256_GCM"), Optional.of("tango-victor"), Optional.of("new-peer"), Optional.of("direct")),
        new CallInfo(5, "ringing", Optional.of("callee"), Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty()));

    @Override
    public PhoneStatus status() {
      return new PhoneStatus("0.1.0", "pqkem/1 ML-KEM-1024+X25519", "require", false, "udp+tcp", "off", "none",
          Optional.empty(), calls.size());
    }

    @Override
    public List<CallInfo> calls() {
      return calls;
    }

    @Override
    public int call(String sipUri) {
      if (!sipUri.startsWith("sip:")) {
        throw new IllegalArgumentException("not a SIP URI: give one like sip:bob@example.org");
      }
      asked.add("call " + sipUri);
      return 6;
    }

    @Override
    public boolean hangup(int id) {
      asked.add("hangup " + id);
      return calls.stream().anyMatch(c -> c.id() == id);
    }

    @Override
    public boolean confirmSas(int id) {
      asked.add("confirm " + id);
      return calls.stream().anyMatch(c -> c.id() == id);
    }

    @Override
    public List<PeerInfo> peers() {
      return List.of(new PeerInfo("dev-1", "verified", Optional.of("sip:bob@b.test")));
    }

    @Override
    public boolean forget(String deviceId) {
      asked.add("forget " + deviceId);
      return deviceId.equals("dev-1");
    }
  }

  private final FakePhone phone = new FakePhone();
  private final PqCommands pq = new PqCommands(phone);

  @Test
  void callsShowSecurityAndSasInColumns_withDashesForWhatIsNotKnownYet() {
    String out = pq.run("calls", List.of());
    assertThat(out.lines().toList()).hasSize(3);
    assertThat(out.lines().findFirst().orElseThrow()).startsWith("ID  STATE        ROLE    SECURITY");
    assertThat(out).contains("3   established  caller  pq        ML-KEM-1024+X25519  AEAD_AES_256_GCM  tango-victor  new-peer      direct");
    assertThat(out).contains("5   ringing      callee  -");
    phone.calls = List.of();
    assertThat(pq.run("calls", List.of())).isEqualTo("no calls");
  }

  @Test
  void hangupAndSasConfirmTakeTheNewestCallByDefault_andSayWhenThereIsNone() {
    assertThat(pq.run("hangup", List.of())).isEqualTo("hung up call 5");
    assertThat(pq.run("sas-confirm", List.of("3"))).startsWith("call 3: SAS confirmed");
    assertThat(phone.asked).containsExactly("hangup 5", "confirm 3");
    assertThat(pq.run("hangup", List.of("9"))).isEqualTo("pq:hangup: no such call: 9");
    phone.calls = List.of();
    assertThat(pq.run("sas-confirm", List.of())).isEqualTo("pq:sas-confirm: no calls");
  }

  @Test
  void badArgumentsGiveOneLineAndReachNoPhone() {
    assertThat(pq.run("hangup", List.of("x"))).isEqualTo("pq:hangup: not a call id: x (pq:calls lists them)");
    assertThat(pq.run("hangup", List.of("1", "2"))).startsWith("pq:hangup: usage:");
    assertThat(pq.run("call", List.of())).isEqualTo("pq:call: usage: pq:call sip:USER@HOST");
    assertThat(pq.run("call", List.of("bob"))).isEqualTo("pq:call: not a SIP URI: give one like sip:bob@example.org");
    assertThat(pq.run("status", List.of("x"))).isEqualTo("pq:status: takes no arguments");
    assertThat(pq.run("peers", List.of("drop", "x"))).isEqualTo("pq:peers: usage: pq:peers [forget DEVICE-ID]");
    assertThat(pq.run("nope", List.of())).startsWith("pq: unknown command 'nope'");
    assertThat(phone.asked).isEmpty();
    for (String name : PqCommands.NAMES) {
      assertThat(pq.run(name, List.of("a", "b", "c"))).doesNotContain("\n").startsWith("pq:" + name + ":");
    }
  }

  @Test
  void statusPeersAndForget() {
    assertThat(pq.run("status", List.of())).contains("protocol   pqkem/1 ML-KEM-1024+X25519", "policy     require",
        "relay      none", "calls      2");
    assertThat(pq.run("peers", List.of())).contains("dev-1   verified  sip:bob@b.test");
    assertThat(pq.run("peers", List.of("forget", "dev-1"))).startsWith("forgot dev-1");
    assertThat(pq.run("peers", List.of("forget", "dev-2"))).isEqualTo("pq:peers: no such device: dev-2");
    assertThat(pq.run("call", List.of("sip:bob@b.test"))).isEqualTo("calling: call 6 (pq:calls shows its progress)");
  }
}
