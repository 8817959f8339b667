package org.pqsip.relay.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import org.pqsip.relay.alloc.Allocation;
import org.pqsip.relay.alloc.AllocationTable;
import org.pqsip.relay.alloc.FiveTuple;
import org.pqsip.stun.RestCredentials;
import org.pqsip.relay.core.DataPath;
import org.pqsip.relay.core.PeerPolicy;
import org.pqsip.relay.core.RelayCounters;
import org.pqsip.relay.core.SourceLimiter;
import org.pqsip.stun.StreamFraming;
import org.pqsip.relay.core.TurnService;
import org.pqsip.stun.StunException;
import org.pqsip.stun.StunMessage;

/**
 * Jazzer fuzz target for the STUN decoder, TCP stream framing and the TURN service's client
 * input (STUN and ChannelData): any bytes must yield a result or a {@link StunException}, never another
 * exception. {@code ./pq test} runs it in fuzzing mode for a few seconds (JAZZER_FUZZ=1);
 * otherwise it replays its regression inputs.
 */
class StunDecoderFuzzTest {
  private static final InetSocketAddress SERVER = new InetSocketAddress(InetAddress.getLoopbackAddress(), 3478);
  private static final FiveTuple CLIENT =
      new FiveTuple(new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000), SERVER, "udp");
  private static final AllocationTable TABLE = new AllocationTable(100, 10);
  private static final RelayCounters COUNTERS = new RelayCounters();
  private static final TurnService TURN =
      new TurnService(
          new TurnService.Settings(
              new RestCredentials("fuzz-secret-0123456789".getBytes(StandardCharsets.UTF_8), "pq.test"), "pq.test",
              new byte[32], new PeerPolicy(Set.of(), List.of()), InetAddress.getLoopbackAddress()),
          TABLE,
          new TurnService.RelayPorts() {
            private int next = 50000;

            @Override
            public OptionalInt open(boolean even) {
              return OptionalInt.of(next++);
            }

            @Override
            public void started(Allocation a) {}

            @Override
            public void close(int port) {}
          },
          COUNTERS, new SourceLimiter(1_000_000_000, new byte[16]));
  private static final DataPath DATA = new DataPath(COUNTERS, 7);
  private static final Allocation ALLOCATION;

  static {
    FiveTuple bound = new FiveTuple(new InetSocketAddress(InetAddress.getLoopbackAddress(), 40001), SERVER, "udp");
    ALLOCATION = TABLE.allocate(bound, "fuzz", 60000, AllocationTable.MAX_LIFETIME_NANOS, 0).allocation().orElseThrow();
    TABLE.bindChannel(ALLOCATION, 0x4000, CLIENT.client(), 0);
  }

  @FuzzTest(maxDuration = "5s")
  void decoderAndTurnServiceNeverThrowUnchecked(byte[] input) {
    try {
      StunMessage m = StunMessage.decode(input, 0, input.length);
      m.integrityValid(new byte[16]);
    } catch (StunException expected) {
      // the only allowed failure
    }
    TURN.fromClient(CLIENT, input, 0, input.length, 1, 1_800_000_000L);
    StreamFraming.frameLength(ByteBuffer.wrap(input), 0, input.length, 8192);
    ByteBuffer frame = ByteBuffer.wrap(input);
    if (DataPath.isChannelData(frame)) {
      DATA.toPeer(ALLOCATION, frame, 1);
    }
    ByteBuffer fromPeer = ByteBuffer.allocate(DataPath.BUFFER_SIZE);
    fromPeer.position(DataPath.HEADROOM).put(input, 0, Math.min(input.length, 65536)).flip().position(DataPath.HEADROOM);
    DATA.toClient(ALLOCATION, CLIENT.client(), fromPeer, input.length % 2 == 0, 1);
  }
}
