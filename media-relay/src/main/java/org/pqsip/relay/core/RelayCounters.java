package org.pqsip.relay.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One event loop's aggregate counters: packets and bytes forwarded each way, packets dropped, and
 * error responses by code. Nothing about who or where: no labels, no addresses, no usernames.
 * Written by the loop's thread alone with opaque stores (a plain store on x86, nothing allocated);
 * read from the metrics thread with opaque loads.
 */
public final class RelayCounters {
  public static final int TO_PEER_PACKETS = 0;
  public static final int TO_PEER_BYTES = 1;
  public static final int TO_CLIENT_PACKETS = 2;
  public static final int TO_CLIENT_BYTES = 3;
  public static final int DROPPED = 4;
  public static final int RATE_LIMITED = 5;
  /** A bug: an exception the loop caught where none should be (never counted as loss). */
  public static final int INTERNAL_ERRORS = 6;
  /** TCP/TLS connections closed at accept: over the source's rate, its share of the budget, or the loop's budget. */
  public static final int CONNECTIONS_REFUSED = 7;
  private static final int FIRST_ERROR = 8;
  /** The error codes the relay answers with (RFC 8489/8656), in counter order. */
  public static final int[] ERROR_CODES = {400, 401, 403, 420, 437, 438, 440, 441, 442, 443, 486, 508};

  private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);
  private final long[] slots = new long[FIRST_ERROR + ERROR_CODES.length];

  /**
   * Counts what stopped the handling of one packet or connection event: an I/O error is the
   * network's doing (a drop, e.g. ICMP port unreachable on a connected socket), anything else is
   * ours (an internal error), so a bug cannot hide as network loss.
   */
  public void failed(Exception e) {
    add(e instanceof java.io.IOException ? DROPPED : INTERNAL_ERRORS, 1);
  }

  /** Adds to a slot; only the owning loop's thread calls this. */
  public void add(int slot, long n) {
    SLOT.setOpaque(slots, slot, (long) SLOT.getOpaque(slots, slot) + n);
  }

  public void forwarded(int packetsSlot, int bytes) {
    add(packetsSlot, 1);
    add(packetsSlot + 1, bytes);
  }

  public void error(int code) {
    for (int i = 0; i < ERROR_CODES.length; i++) {
      if (ERROR_CODES[i] == code) {
        add(FIRST_ERROR + i, 1);
        return;
      }
    }
  }

  public long get(int slot) {
    return (long) SLOT.getOpaque(slots, slot);
  }

  public long errors(int code) {
    for (int i = 0; i < ERROR_CODES.length; i++) {
      if (ERROR_CODES[i] == code) {
        return get(FIRST_ERROR + i);
      }
    }
    return 0;
  }
}
