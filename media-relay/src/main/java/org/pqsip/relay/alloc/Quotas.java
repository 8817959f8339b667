package org.pqsip.relay.alloc;

import java.util.HashMap;
import java.util.Map;

/**
 * Allocation quotas shared by every event loop: in total and per username (token). Touched only
 * on Allocate and on an allocation's end, never per packet, so a lock is cheap enough. Holds a
 * count per live username and nothing once its allocations are gone.
 */
public final class Quotas {
  private final int maxTotal;
  private final int maxPerUser;
  private final Map<String, Integer> perUser = new HashMap<>();
  private int total;

  public Quotas(int maxTotal, int maxPerUser) {
    if (maxTotal < 1 || maxPerUser < 1) {
      throw new IllegalArgumentException("allocation quotas must be at least 1");
    }
    this.maxTotal = maxTotal;
    this.maxPerUser = maxPerUser;
  }

  /** Takes one allocation for {@code user}, or says why not (null when granted). */
  public synchronized AllocationTable.Refusal acquire(String user) {
    if (total >= maxTotal) {
      return AllocationTable.Refusal.CAPACITY;
    }
    if (perUser.getOrDefault(user, 0) >= maxPerUser) {
      return AllocationTable.Refusal.QUOTA;
    }
    total++;
    perUser.merge(user, 1, Integer::sum);
    return null;
  }

  public synchronized void release(String user) {
    if (perUser.containsKey(user)) {
      perUser.computeIfPresent(user, (u, n) -> n > 1 ? n - 1 : null);
      total--;
    }
  }

  public synchronized int active() {
    return total;
  }
}
