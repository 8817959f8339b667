package org.pqsip.relay.alloc;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One event loop's live allocations, found by 5-tuple (client side) and by relayed port (peer
 * side), with quotas shared across loops ({@link Quotas}). Sans-IO and single-threaded by design
 * (one table per event loop); {@code now} is always an argument. State disappears at expiry:
 * {@link #sweep(long)}.
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

  /** Outcome of a ChannelBind. */
  public enum Bind { BOUND, CONFLICT, FULL }

  private final Quotas quotas;
  private final Map<FiveTuple, Allocation> byTuple = new HashMap<>();
  private final Map<Integer, Allocation> byPort = new HashMap<>();

  public AllocationTable(Quotas quotas) {
    this.quotas = quotas;
  }

  /** A table with quotas of its own (one loop, or tests). */
  public AllocationTable(int maxTotal, int maxPerUser) {
    this(new Quotas(maxTotal, maxPerUser));
  }

  /** The outcome of {@link #allocate}: the allocation, or why not. */
  public record Result(Optional<Allocation> allocation, Optional<Refusal> refusal) {}

  public Result allocate(FiveTuple tuple, String username, int relayPort, long lifetimeNanos, long now) {
    if (byTuple.containsKey(tuple)) {
      return refused(Refusal.MISMATCH);
    }
    if (byPort.containsKey(relayPort)) {
      return refused(Refusal.CAPACITY);
    }
    Refusal r = quotas.acquire(username);
    if (r != null) {
      return refused(r);
    }
    long lifetime = Math.min(Math.max(lifetimeNanos, 0), MAX_LIFETIME_NANOS);
    Allocation a = new Allocation(tuple, username, relayPort, now + lifetime);
    byTuple.put(tuple, a);
    byPort.put(relayPort, a);
    return new Result(Optional.of(a), Optional.empty());
  }

  private static Result refused(Refusal r) {
    return new Result(Optional.empty(), Optional.of(r));
  }

  public Optional<Allocation> byClient(FiveTuple tuple, long now) {
    Allocation a = byTuple.get(tuple);
    return a != null && a.live(now) ? Optional.of(a) : Optional.empty();
  }

  public Optional<Allocation> byRelayPort(int port, long now) {
    Allocation a = byPort.get(port);
    return a != null && a.live(now) ? Optional.of(a) : Optional.empty();
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

  /** Installs or refreshes a permission; false when the allocation has too many peers. */
  public boolean permit(Allocation a, InetAddress peer, long now) {
    return a.permit(peer, now);
  }

  public Bind bindChannel(Allocation a, int channel, InetSocketAddress peer, long now) {
    return a.bind(channel, peer, now);
  }

  /** Removes expired allocations, permissions and channels; returns the allocations ended. */
  public List<Allocation> sweep(long now) {
    List<Allocation> ended = new ArrayList<>();
    for (Iterator<Allocation> it = byTuple.values().iterator(); it.hasNext(); ) {
      Allocation a = it.next();
      if (!a.live(now)) {
        it.remove();
        byPort.remove(a.relayPort());
        quotas.release(a.username());
        ended.add(a);
      } else {
        a.sweep(now);
      }
    }
    return ended;
  }

  /** Ends an allocation now (refresh with lifetime 0, or its TCP connection closed). */
  public void remove(Allocation a) {
    if (byTuple.remove(a.fiveTuple(), a)) {
      byPort.remove(a.relayPort());
      quotas.release(a.username());
    }
  }

  /** Ends every allocation (shutdown); returns them so the driver can close their sockets. */
  public List<Allocation> clear() {
    List<Allocation> all = new ArrayList<>(byTuple.values());
    all.forEach(this::remove);
    return all;
  }

  public int size() {
    return byTuple.size();
  }
}
