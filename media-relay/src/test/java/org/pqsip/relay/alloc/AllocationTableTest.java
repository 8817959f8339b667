package org.pqsip.relay.alloc;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** Lifetimes, permissions, channels and quotas, driven by a fake clock (nanoseconds given). */
class AllocationTableTest {
  static final long S = 1_000_000_000L;
  final InetSocketAddress server = addr("203.0.113.10", 3478);
  final AllocationTable table = new AllocationTable(3, 2);

  static InetSocketAddress addr(String ip, int port) {
    try {
      return new InetSocketAddress(InetAddress.getByName(ip), port);
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  FiveTuple tuple(int port) {
    return new FiveTuple(addr("198.51.100.7", port), server, "udp");
  }

  @Test
  void allocationLivesForItsLifetimeThenIsGone() {
    Allocation a = table.allocate(tuple(1000), "u1", 50000, 600 * S, 0).allocation().orElseThrow();
    assertThat(table.byClient(tuple(1000), 599 * S)).contains(a);
    assertThat(table.byRelayPort(50000, 599 * S)).contains(a);
    assertThat(table.byClient(tuple(1000), 600 * S)).isEmpty();
    assertThat(table.sweep(600 * S)).containsExactly(a);
    assertThat(table.size()).isZero();
  }

  @Test
  void refreshExtendsAndZeroDeletes() {
    table.allocate(tuple(1000), "u1", 50000, 600 * S, 0);
    assertThat(table.refresh(tuple(1000), 600 * S, 500 * S)).isTrue();
    assertThat(table.byClient(tuple(1000), 1000 * S)).isPresent();
    assertThat(table.refresh(tuple(1000), 0, 1001 * S)).isTrue();
    assertThat(table.byClient(tuple(1000), 1001 * S)).isEmpty();
    assertThat(table.size()).isZero();
    assertThat(table.refresh(tuple(1000), 600 * S, 1002 * S)).as("437 for an unknown allocation").isFalse();
  }

  @Test
  void lifetimeIsCappedAtOneHour() {
    Allocation a = table.allocate(tuple(1000), "u1", 50000, 99_999 * S, 0).allocation().orElseThrow();
    assertThat(a.expiresAt()).isEqualTo(3600 * S);
  }

  @Test
  void permissionsExpireAfterFiveMinutes() {
    Allocation a = table.allocate(tuple(1000), "u1", 50000, 3600 * S, 0).allocation().orElseThrow();
    InetAddress peer = addr("198.51.100.200", 0).getAddress();
    assertThat(a.permitted(peer, 0)).isFalse();
    table.permit(a, peer, 10 * S);
    assertThat(a.permitted(peer, 309 * S)).isTrue();
    assertThat(a.permitted(peer, 310 * S)).isFalse();
  }

  @Test
  void channelsBindOneToOneAndExpireAfterTenMinutes() {
    Allocation a = table.allocate(tuple(1000), "u1", 50000, 3600 * S, 0).allocation().orElseThrow();
    InetSocketAddress p1 = addr("198.51.100.200", 6000);
    InetSocketAddress p2 = addr("198.51.100.201", 6000);
    assertThat(table.bindChannel(a, 0x4000, p1, 0)).isEqualTo(AllocationTable.Bind.BOUND);
    assertThat(table.bindChannel(a, 0x4000, p1, 100 * S)).as("refresh").isEqualTo(AllocationTable.Bind.BOUND);
    assertThat(table.bindChannel(a, 0x4000, p2, 100 * S)).as("channel taken").isEqualTo(AllocationTable.Bind.CONFLICT);
    assertThat(table.bindChannel(a, 0x4001, p1, 100 * S)).as("peer already bound").isEqualTo(AllocationTable.Bind.CONFLICT);
    assertThat(a.peerOfChannel(0x4000, 699 * S)).isEqualTo(p1);
    assertThat(a.channelOfPeer(p1, 699 * S)).isEqualTo(0x4000);
    assertThat(a.permitted(p1.getAddress(), 399 * S)).as("binding installs a permission").isTrue();
    assertThat(a.peerOfChannel(0x4000, 700 * S)).isNull();
    assertThat(a.channelOfPeer(p1, 700 * S)).isEqualTo(-1);
    table.sweep(700 * S);
    assertThat(a.channelCount()).isZero();
    assertThat(table.bindChannel(a, 0x4000, p2, 701 * S)).as("free again after expiry").isEqualTo(AllocationTable.Bind.BOUND);
  }

  @Test
  void quotasAndMismatch() {
    assertThat(table.allocate(tuple(1), "u1", 50001, 600 * S, 0).allocation()).isPresent();
    assertThat(table.allocate(tuple(1), "u1", 50002, 600 * S, 0).refusal()).contains(AllocationTable.Refusal.MISMATCH);
    assertThat(table.allocate(tuple(2), "u1", 50002, 600 * S, 0).allocation()).isPresent();
    assertThat(table.allocate(tuple(3), "u1", 50003, 600 * S, 0).refusal()).contains(AllocationTable.Refusal.QUOTA);
    assertThat(table.allocate(tuple(3), "u2", 50003, 600 * S, 0).allocation()).isPresent();
    assertThat(table.allocate(tuple(4), "u3", 50004, 600 * S, 0).refusal()).contains(AllocationTable.Refusal.CAPACITY);
    table.sweep(600 * S);
    assertThat(table.allocate(tuple(4), "u3", 50004, 600 * S, 600 * S).allocation()).as("quota freed at expiry").isPresent();
  }

  @Test
  void quotasAreSharedBetweenTablesOfDifferentLoops() {
    Quotas shared = new Quotas(2, 1);
    AllocationTable loop1 = new AllocationTable(shared);
    AllocationTable loop2 = new AllocationTable(shared);
    assertThat(loop1.allocate(tuple(1), "u1", 50001, 600 * S, 0).allocation()).isPresent();
    assertThat(loop2.allocate(tuple(2), "u1", 50002, 600 * S, 0).refusal()).contains(AllocationTable.Refusal.QUOTA);
    assertThat(loop2.allocate(tuple(3), "u2", 50003, 600 * S, 0).allocation()).isPresent();
    assertThat(loop1.allocate(tuple(4), "u3", 50004, 600 * S, 0).refusal()).contains(AllocationTable.Refusal.CAPACITY);
    assertThat(loop2.clear()).hasSize(1);
    assertThat(shared.active()).isEqualTo(1);
  }
}
