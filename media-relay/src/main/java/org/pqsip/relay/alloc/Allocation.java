package org.pqsip.relay.alloc;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One TURN allocation (RFC 8656 §2.2): its relayed port, its lifetime, its permissions (by peer
 * IP, 300 s) and channel bindings (600 s). Deadlines are nanoTime values supplied by the caller;
 * nothing here reads a clock or outlives its lifetime.
 */
public final class Allocation {
  public static final long PERMISSION_NANOS = 300_000_000_000L;
  public static final long CHANNEL_NANOS = 600_000_000_000L;

  private final FiveTuple fiveTuple;
  private final String username;
  private final int relayPort;
  private long expiresAt;
  private final Map<InetAddress, Long> permissions = new HashMap<>();
  private final Map<Integer, Binding> channels = new HashMap<>();
  private final Map<InetSocketAddress, Integer> channelOfPeer = new HashMap<>();

  record Binding(InetSocketAddress peer, long expiresAt) {}

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

  public int relayPort() {
    return relayPort;
  }

  public long expiresAt() {
    return expiresAt;
  }

  void refresh(long newExpiry) {
    this.expiresAt = newExpiry;
  }

  void permit(InetAddress peer, long now) {
    permissions.put(peer, now + PERMISSION_NANOS);
  }

  /** Whether data from or to {@code peer} may pass now (RFC 8656 §9). */
  public boolean permitted(InetAddress peer, long now) {
    Long until = permissions.get(peer);
    return until != null && until > now;
  }

  /**
   * Binds {@code channel} to {@code peer}, or refreshes the same binding; false when the channel
   * is bound to another peer or the peer to another channel (RFC 8656 §12.2: 400).
   */
  boolean bind(int channel, InetSocketAddress peer, long now) {
    Binding existing = channels.get(channel);
    Integer other = channelOfPeer.get(peer);
    if ((existing != null && !existing.peer().equals(peer)) || (other != null && other != channel)) {
      return false;
    }
    channels.put(channel, new Binding(peer, now + CHANNEL_NANOS));
    channelOfPeer.put(peer, channel);
    permit(peer.getAddress(), now);
    return true;
  }

  public Optional<InetSocketAddress> peerOfChannel(int channel, long now) {
    Binding b = channels.get(channel);
    return b != null && b.expiresAt() > now ? Optional.of(b.peer()) : Optional.empty();
  }

  public Optional<Integer> channelOfPeer(InetSocketAddress peer, long now) {
    Integer c = channelOfPeer.get(peer);
    return c != null && channels.get(c).expiresAt() > now ? Optional.of(c) : Optional.empty();
  }

  /** Drops expired permissions and channels. */
  void sweep(long now) {
    permissions.values().removeIf(until -> until <= now);
    channels.entrySet().removeIf(e -> {
      if (e.getValue().expiresAt() <= now) {
        channelOfPeer.remove(e.getValue().peer());
        return true;
      }
      return false;
    });
  }

  int channelCount() {
    return channels.size();
  }
}
