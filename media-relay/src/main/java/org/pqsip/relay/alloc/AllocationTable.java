package org.pqsip.relay.alloc;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * Every live allocation, found by 5-tuple (client side) and by relayed port (peer side), with
 * quotas per username and in total. Sans-IO and single-threaded by design (one table per event
 * loop); {@code now} is always an argument. State disappears at expiry: {@link #sweep(long)}.
 */
public final class AllocationTable {
  public static final long DEFAULT_LIFETIME_NANOS = 600_000_000_000L;
  public static final long MAX_LIFETIME_NANOS = 3_600_000_000_000L;

  /** Why an allocation was refused, mapped to RFC 8656 error codes by the caller. */
  public enum Refusal {
    /** 437 Allocation Mismatch: the 5-tuple already has one. */
    MISMATCH,
    /** 486 Allocation Quota Reached (per username). */
    QUOTA,
    /** 508 Insufficient Capacity (total, or no relay port free). */
    CAPACITY
  }

  private final int maxTotal;
  private final int maxPerUser;
  private final Map<FiveTuple, Allocation> byTuple = new HashMap<>();
  private final Map<Integer, Allocation> byPort = new HashMap<>();
  private final Map<String, Integer> perUser = new HashMap<>();

  public AllocationTable(int maxTotal, int maxPerUser) {
    this.maxTotal = maxTotal;
    this.maxPerUser = maxPerUser;
  }

  /** The outcome of {@link #allocate}: the allocation, or why not. */
  public record Result(Optional<Allocation> allocation, Optional<Refusal> refusal) {}

  public Result allocate(FiveTuple tuple, String username, int relayPort, long lifetimeNanos, long now) {
    if (byTuple.containsKey(tuple)) {
      return refused(Refusal.MISMATCH);
    }
    if (byTuple.size() >= maxTotal || byPort.containsKey(relayPort)) {
      return refused(Refusal.CAPACITY);
    }
    if (perUser.getOrDefault(username, 0) >= maxPerUser) {
      return refused(Refusal.QUOTA);
    }
    long lifetime = Math.min(Math.max(lifetimeNanos, 0), MAX_LIFETIME_NANOS);
    Allocation a = new Allocation(tuple, username, relayPort, now + lifetime);
    byTuple.put(tuple, a);
    byPort.put(relayPort, a);
    perUser.merge(username, 1, Integer::sum);
    return new Result(Optional.of(a), Optional.empty());
  }

  private static Result refused(Refusal r) {
    return new Result(Optional.empty(), Optional.of(r));
  }

  public Optional<Allocation> byClient(FiveTuple tuple, long now) {
    Allocation a = byTuple.get(tuple);
    return a != null && a.expiresAt() > now ? Optional.of(a) : Optional.empty();
  }

  public Optional<Allocation> byRelayPort(int port, long now) {
    Allocation a = byPort.get(port);
    return a != null && a.expiresAt() > now ? Optional.of(a) : Optional.empty();
  }

  /** Refresh (RFC 8656 §7): lifetime 0 deletes the allocation at once. */
  public boolean refresh(FiveTuple tuple, long lifetimeNanos, long now) {
    Optional<Allocation> a = byClient(tuple, now);
    if (a.isEmpty()) {
      return false;
    }
    if (lifetimeNanos <= 0) {
      remove(a.get());
    } else {
      a.get().refresh(now + Math.min(lifetimeNanos, MAX_LIFETIME_NANOS));
    }
    return true;
  }

  public void permit(Allocation a, java.net.InetAddress peer, long now) {
    a.permit(peer, now);
  }

  public boolean bindChannel(Allocation a, int channel, java.net.InetSocketAddress peer, long now) {
    return a.bind(channel, peer, now);
  }

  /** Removes expired allocations, permissions and channels; returns the relay ports freed. */
  public java.util.List<Integer> sweep(long now) {
    java.util.List<Integer> freed = new java.util.ArrayList<>();
    for (Iterator<Allocation> it = byTuple.values().iterator(); it.hasNext(); ) {
      Allocation a = it.next();
      if (a.expiresAt() <= now) {
        it.remove();
        byPort.remove(a.relayPort());
        perUser.computeIfPresent(a.username(), (u, n) -> n > 1 ? n - 1 : null);
        freed.add(a.relayPort());
      } else {
        a.sweep(now);
      }
    }
    return freed;
  }

  private void remove(Allocation a) {
    byTuple.remove(a.fiveTuple());
    byPort.remove(a.relayPort());
    perUser.computeIfPresent(a.username(), (u, n) -> n > 1 ? n - 1 : null);
  }

  public int size() {
    return byTuple.size();
  }
}
