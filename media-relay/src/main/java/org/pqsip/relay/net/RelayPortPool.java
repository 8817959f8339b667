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

  /** Reserves the next free port after the last one handed out, or returns -1 when all are taken. */
  synchronized int take() {
    int i = used.nextClearBit(cursor);
    if (i >= span) {
      i = used.nextClearBit(0);
      if (i >= span) {
        return -1;
      }
    }
    used.set(i);
    cursor = (i + 1) % span;
    return min + i;
  }

  synchronized void release(int port) {
    used.clear(port - min);
  }

  int size() {
    return span;
  }
}
