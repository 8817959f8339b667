package org.pqsip.phone;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.pqsip.api.CallInfo;
import org.pqsip.sip.PhoneEvents;

/**
 * The calls in progress, as the phone's events describe them: fed every event, it keeps the
 * latest security, SAS, verification and path of each call until {@code ended}. Holds only what
 * events hold (no addresses, names or Call-IDs). Thread-safe; no I/O.
 */
final class CallBoard implements PhoneEvents {
  /** Calls that ended lately: events about them that come late (a last error) make no new entry. */
  private static final int REMEMBERED_ENDINGS = 4096;

  private final Map<Integer, Map<String, Object>> calls = new LinkedHashMap<>();
  private final Map<Integer, Boolean> ended = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Integer, Boolean> eldest) {
      return size() > REMEMBERED_ENDINGS;
    }
  };

  @Override
  public synchronized void event(String type, Map<String, Object> fields) {
    if (!(fields.get("call") instanceof Integer id) || id == 0) {
      return; // not about a call (registration, NAT discovery)
    }
    if (type.equals("ended")) {
      calls.remove(id);
      ended.put(id, Boolean.TRUE);
      return;
    }
    if (ended.containsKey(id)) {
      return;
    }
    Map<String, Object> c = calls.computeIfAbsent(id, k -> new LinkedHashMap<>());
    switch (type) {
      case "incoming" -> {
        c.put("state", "ringing");
        c.put("role", "callee");
      }
      case "established" -> {
        c.put("state", "established");
        merge(c, fields, "role", "security", "kem", "srtp", "sas", "verification", "path");
      }
      case "verified", "rekeyed", "peer-changed" -> merge(c, fields, "security", "kem", "srtp", "sas", "verification");
      case "path-switch" -> c.put("path", fields.get("to"));
      case "path-restored" -> merge(c, fields, "path");
      default -> { }
    }
    c.putIfAbsent("state", "calling");
  }

  /**
   * A call we placed: listed as {@code calling} unless it has already ended or its first events
   * (even {@code established}, from a fast peer) came before this.
   */
  synchronized void placed(int id) {
    if (!ended.containsKey(id)) {
      Map<String, Object> c = calls.computeIfAbsent(id, k -> new LinkedHashMap<>());
      c.putIfAbsent("state", "calling");
      c.putIfAbsent("role", "caller");
    }
  }

  synchronized List<CallInfo> calls() {
    List<CallInfo> out = new ArrayList<>();
    calls.forEach((id, c) -> out.add(new CallInfo(id, (String) c.get("state"), text(c, "role"), text(c, "security"),
        text(c, "kem"), text(c, "srtp"), text(c, "sas"), text(c, "verification"), text(c, "path"))));
    return out;
  }

  synchronized boolean contains(int id) {
    return calls.containsKey(id);
  }

  private static void merge(Map<String, Object> into, Map<String, Object> from, String... keys) {
    for (String k : keys) {
      Object v = from.get(k);
      if (v != null) {
        into.put(k, v);
      }
    }
  }

  private static Optional<String> text(Map<String, Object> c, String key) {
    return Optional.ofNullable(c.get(key)).map(String::valueOf);
  }
}
