package org.pqsip.sip;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Collects a phone's events; tests wait for an event with a deadline, never sleep. */
public final class EventLog implements PhoneEvents {
  public record Event(String type, Map<String, Object> fields) {
    public Object get(String k) {
      return fields.get(k);
    }

    @Override
    public String toString() {
      return type + fields;
    }
  }

  private final String name;
  private final List<Event> events = new ArrayList<>();

  public EventLog(String name) {
    this.name = name;
  }

  @Override
  public synchronized void event(String type, Map<String, Object> fields) {
    events.add(new Event(type, Map.copyOf(withoutNulls(fields))));
    notifyAll();
  }

  private static Map<String, Object> withoutNulls(Map<String, Object> f) {
    Map<String, Object> m = new java.util.LinkedHashMap<>(f);
    m.values().removeIf(v -> v == null);
    return m;
  }

  public synchronized Event await(String type, Duration timeout) throws InterruptedException {
    return await(e -> e.type().equals(type), timeout, type);
  }

  public synchronized Event await(Predicate<Event> p, Duration timeout, String what) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int seen = 0;
    while (true) {
      for (; seen < events.size(); seen++) {
        if (p.test(events.get(seen))) {
          return events.get(seen);
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError(name + ": no " + what + " within " + timeout + "; events: " + events);
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }

  public synchronized List<Event> all() {
    return List.copyOf(events);
  }
}
