package org.pqsip.phone;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.pqsip.api.CallInfo;

/** What pq:calls shows, from the phone's events in the orders threads can deliver them. */
class CallBoardTest {
  private final CallBoard board = new CallBoard();

  private static Map<String, Object> fields(int call, Object... kv) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("call", call);
    for (int i = 0; i < kv.length; i += 2) {
      f.put((String) kv[i], kv[i + 1]);
    }
    return f;
  }

  @Test
  void aCallGoesFromCallingToEstablishedToVerifiedToGone() {
    board.placed(1);
    assertThat(board.calls()).singleElement().extracting(CallInfo::state).isEqualTo("calling");
    board.event("established", fields(1, "role", "caller", "security", "pq", "sas", "ab12", "verification", "new-peer",
        "path", "p2p"));
    board.event("verified", fields(1, "security", "pq", "sas", "ab12", "verification", "verified"));
    board.event("path-switch", fields(1, "from", "p2p", "to", "relay"));
    CallInfo c = board.calls().get(0);
    assertThat(c.state()).isEqualTo("established");
    assertThat(c.sas()).contains("ab12");
    assertThat(c.verification()).contains("verified");
    assertThat(c.path()).contains("relay");
    board.event("ended", fields(1, "reason", "bye"));
    assertThat(board.calls()).isEmpty();
  }

  @Test
  void lateEventsOfAnEndedCallMakeNoGhost() {
    board.event("incoming", fields(2));
    board.event("ended", fields(2, "reason", "cancel"));
    board.event("media", fields(2, "packetsSent", 3L));
    board.event("error", fields(2, "message", "no such call to verify"));
    board.placed(2);
    assertThat(board.calls()).isEmpty();
  }

  @Test
  void aFastPeerEstablishedBeforeWeListedTheCall() {
    board.event("established", fields(3, "role", "caller", "security", "pq", "sas", "cd34"));
    board.placed(3);
    assertThat(board.calls()).singleElement().satisfies(c -> {
      assertThat(c.state()).isEqualTo("established");
      assertThat(c.sas()).contains("cd34");
    });
  }

  @Test
  void registrationAndNatEventsAreNotCalls() {
    board.event("registered", fields(0, "expires", 300));
    board.event("media-warning", Map.of("reason", "nat-discovery-failed"));
    assertThat(board.calls()).isEmpty();
  }
}
