package org.pqsip.relay.net;

import java.util.BitSet;

/**
 * The relayed port range, shared by every event loop. Touched on Allocate and at an allocation's
 * end only. A port another process holds is skipped at bind time by the caller, which then asks
 * for the next one.
 */
final class RelayPortPool {
  private final int min;
  private final int span;
  private final BitSet used;
  private int cursor;

  RelayPortPool(int min, int max) {
    if (min < 1 || max > 65535 || min > max) {
      throw new IllegalArgumentException("relay ports must be a range LOW-HIGH within 1-65535");
    }
    this.min = min;
    this.span = max - min + 1;
    this.used = new BitSet(span);
  }

  /**
   * Reserves the next free port after the last one handed out (an even one when {@code even}),
   * or returns -1 when none is free.
   */
  synchronized int take(boolean even) {
    int i = next(cursor, even);
    if (i < 0) {
      i = next(0, even);
      if (i < 0) {
        return -1;
      }
    }
    used.set(i);
    cursor = (i + 1) % span;
    return min + i;
  }

  private int next(int from, boolean even) {
    for (int i = used.nextClearBit(from); i < span; i = used.nextClearBit(i + 1)) {
      if (!even || ((min + i) & 1) == 0) {
        return i;
      }
    }
    return -1;
  }

  synchronized void release(int port) {
    used.clear(port - min);
  }

  int size() {
    return span;
  }
}
