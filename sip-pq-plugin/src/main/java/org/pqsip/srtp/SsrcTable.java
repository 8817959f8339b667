package org.pqsip.srtp;

/**
 * The per-SSRC indices under one session key (one direction, SRTP or SRTCP): at most
 * {@link SrtpStream#MAX_REMOTE_SSRCS} entries in an array (no boxing, no map per packet), the
 * last one used first. An incoming SSRC joins only once a packet under it authenticated, so
 * spoofed SSRCs cannot fill the table and lock the peer out.
 */
final class SsrcTable {
  /** One SSRC: the replay window (its highest is the packet index so far), SRTCP's next index. */
  static final class Entry {
    final int ssrc;
    final ReplayWindow seen = new ReplayWindow();
    int next;

    Entry(int ssrc) {
      this.ssrc = ssrc;
    }
  }

  private final Entry[] entries = new Entry[SrtpStream.MAX_REMOTE_SSRCS];
  private int count;
  private Entry last;
  private Entry spare;

  /** Our own SSRC's entry, made on first use; null when the table is full. */
  Entry outgoing(int ssrc) {
    Entry e = find(ssrc);
    if (e != null || full()) {
      return e;
    }
    e = new Entry(ssrc);
    add(e);
    return e;
  }

  /**
   * An incoming SSRC's entry: from the table, or else a trial entry that joins the table only
   * through {@link #keep} once a packet authenticated under it (a failed trial's entry serves
   * the next: during a rekey every packet under the new keys is first tried under the old
   * ones); null when the table is full.
   */
  Entry incoming(int ssrc) {
    Entry e = find(ssrc);
    if (e != null || full()) {
      return e;
    }
    if (spare == null || spare.ssrc != ssrc || spare.seen.highest() >= 0) {
      spare = new Entry(ssrc);
    }
    return spare;
  }

  /** Adds a trial entry that has just authenticated a packet; a known one is left as it is. */
  void keep(Entry e) {
    if (e == spare) {
      spare = null;
      add(e);
    }
  }

  private Entry find(int ssrc) {
    if (last != null && last.ssrc == ssrc) {
      return last;
    }
    for (int i = 0; i < count; i++) {
      if (entries[i].ssrc == ssrc) {
        last = entries[i];
        return last;
      }
    }
    return null;
  }

  private boolean full() {
    return count == entries.length;
  }

  private void add(Entry e) {
    entries[count++] = e;
    last = e;
  }
}
