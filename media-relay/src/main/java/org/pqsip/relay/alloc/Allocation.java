package org.pqsip.relay.alloc;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One TURN allocation (RFC 8656 §2.2): its relayed port, its lifetime, its permissions (by peer
 * IP, 300 s) and channel bindings (600 s). Deadlines are nanoTime values supplied by the caller;
 * nothing here reads a clock or outlives its lifetime.
 *
 * <p>The lookups the forwarding path makes per packet ({@link #permitted}, {@link #peerOfChannel},
 * {@link #channelOfPeer}, {@link #rawAddress}) allocate nothing: channels live in small parallel
 * arrays (a call binds one or two), and the last peer's address bytes are cached.
 */
public final class Allocation {
  public static final long PERMISSION_NANOS = 300_000_000_000L;
  public static final long CHANNEL_NANOS = 600_000_000_000L;
  /** Channels and permitted peers per allocation; more are refused (508) to bound memory. */
  public static final int MAX_CHANNELS = 32;
  public static final int MAX_PERMISSIONS = 32;

  private final FiveTuple fiveTuple;
  private final String username;
  private final int relayPort;
  private long expiresAt;
  private final Map<InetAddress, Long> permissions = new HashMap<>();
  private int channelCount;
  private int[] channelNumbers = new int[2];
  private InetSocketAddress[] channelPeers = new InetSocketAddress[2];
  private long[] channelExpiry = new long[2];
  private InetAddress lastPermitted;
  private long lastPermittedUntil;
  private InetSocketAddress cachedPeer;
  private byte[] cachedRaw;
  private Object attachment;

  Allocation(FiveTuple fiveTuple, String username, int relayPort, long expiresAt) {
    this.fiveTuple = fiveTuple;
    this.username = username;
    this.relayPort = relayPort;
    this.expiresAt = expiresAt;
  }

  public FiveTuple fiveTuple() {
    return fiveTuple;
  }

  String username() {
    return username;
  }

  /** RFC 8656 §5: requests on an allocation must use the username that created it (else 441). */
  public boolean ownedBy(String user) {
    return username.equals(user);
  }

  public int relayPort() {
    return relayPort;
  }

  public long expiresAt() {
    return expiresAt;
  }

  public boolean live(long now) {
    return expiresAt > now;
  }

  /** Permitted peers held (expired ones until the next sweep): at most {@link #MAX_PERMISSIONS}. */
  public int permissionCount() {
    return permissions.size();
  }

  /** Channels held (expired ones until the next sweep): at most {@link #MAX_CHANNELS}. */
  public int channelCount() {
    return channelCount;
  }

  /** The driver's per-allocation state (its sockets); opaque here. */
  public Object attachment() {
    return attachment;
  }

  public void attach(Object driverState) {
    this.attachment = driverState;
  }

  void refresh(long newExpiry) {
    this.expiresAt = newExpiry;
  }

  /** Installs or refreshes a permission; false when a new peer would exceed {@link #MAX_PERMISSIONS}. */
  boolean permit(InetAddress peer, long now) {
    if (!permissions.containsKey(peer) && permissions.size() >= MAX_PERMISSIONS) {
      return false;
    }
    permissions.put(peer, now + PERMISSION_NANOS);
    return true;
  }

  /** Whether data from or to {@code peer} may pass now (RFC 8656 §9). */
  public boolean permitted(InetAddress peer, long now) {
    if (peer == lastPermitted && lastPermittedUntil > now) {
      return true; // the same sender as the last packet (the JDK hands back the same address object)
    }
    Long until = permissions.get(peer);
    if (until != null && until > now) {
      lastPermitted = peer;
      lastPermittedUntil = until;
      return true;
    }
    return false;
  }

  /**
   * Binds {@code channel} to {@code peer}, or refreshes the same binding; CONFLICT when the channel
   * is bound to another peer or the peer to another channel (RFC 8656 §12.2: 400).
   */
  AllocationTable.Bind bind(int channel, InetSocketAddress peer, long now) {
    int byChannel = indexOfChannel(channel);
    int byPeer = indexOfPeer(peer);
    if ((byChannel >= 0 && !channelPeers[byChannel].equals(peer)) || (byPeer >= 0 && byPeer != byChannel)) {
      return AllocationTable.Bind.CONFLICT;
    }
    if (byChannel < 0 && channelCount >= MAX_CHANNELS) {
      return AllocationTable.Bind.FULL;
    }
    if (!permit(peer.getAddress(), now)) {
      return AllocationTable.Bind.FULL;
    }
    int i = byChannel;
    if (i < 0) {
      if (channelCount == channelNumbers.length) {
        int n = channelCount * 2;
        channelNumbers = Arrays.copyOf(channelNumbers, n);
        channelPeers = Arrays.copyOf(channelPeers, n);
        channelExpiry = Arrays.copyOf(channelExpiry, n);
      }
      i = channelCount++;
      channelNumbers[i] = channel;
      channelPeers[i] = peer;
    }
    channelExpiry[i] = now + CHANNEL_NANOS;
    return AllocationTable.Bind.BOUND;
  }

  /** The peer bound to {@code channel}, or null. */
  public InetSocketAddress peerOfChannel(int channel, long now) {
    int i = indexOfChannel(channel);
    return i >= 0 && channelExpiry[i] > now ? channelPeers[i] : null;
  }

  /** The channel bound to {@code peer}, or -1. */
  public int channelOfPeer(InetSocketAddress peer, long now) {
    int i = indexOfPeer(peer);
    return i >= 0 && channelExpiry[i] > now ? channelNumbers[i] : -1;
  }

  /** {@code peer}'s address bytes (4 or 16), cached for the last peer asked: no copy per packet. */
  public byte[] rawAddress(InetSocketAddress peer) {
    if (peer != cachedPeer) {
      cachedRaw = peer.getAddress().getAddress();
      cachedPeer = peer;
    }
    return cachedRaw;
  }

  private int indexOfChannel(int channel) {
    for (int i = 0; i < channelCount; i++) {
      if (channelNumbers[i] == channel) {
        return i;
      }
    }
    return -1;
  }

  private int indexOfPeer(InetSocketAddress peer) {
    for (int i = 0; i < channelCount; i++) {
      if (channelPeers[i] == peer || channelPeers[i].equals(peer)) {
        return i;
      }
    }
    return -1;
  }

  /** Drops expired permissions and channels. */
  void sweep(long now) {
    permissions.values().removeIf(until -> until <= now);
    int kept = 0;
    for (int i = 0; i < channelCount; i++) {
      if (channelExpiry[i] > now) {
        channelNumbers[kept] = channelNumbers[i];
        channelPeers[kept] = channelPeers[i];
        channelExpiry[kept] = channelExpiry[i];
        kept++;
      }
    }
    Arrays.fill(channelPeers, kept, channelCount, null);
    channelCount = kept;
    cachedPeer = null;
    cachedRaw = null;
  }
}
