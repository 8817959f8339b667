package org.pqsip.relay.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Authenticated fuzzing of the TURN service: {@link AuthenticatedTurn} signs fuzzer-chosen
 * attributes so that they reach the Allocate, Refresh, CreatePermission and ChannelBind handlers,
 * drives whole allocation lifetimes and checks its invariants after every step. {@code ./pq test}
 * fuzzes it for a while (JAZZER_FUZZ=1) from the seed corpus in
 * {@code src/test/resources/org/pqsip/relay/fuzz/TurnLifetimeFuzzTestInputs/allocationLifetimes};
 * otherwise the corpus is replayed as regression inputs.
 */
class TurnLifetimeFuzzTest {
  private static final Path SEEDS = Path.of("src/test/resources/org/pqsip/relay/fuzz/TurnLifetimeFuzzTestInputs/allocationLifetimes");

  @FuzzTest(maxDuration = "20s")
  void allocationLifetimes(byte[] script) {
    new AuthenticatedTurn(script).run();
  }

  /** The seed corpus is worth fuzzing from: together its scripts reach every handler's success and every refusal. */
  @Test
  void seedCorpusReachesEveryHandlerAndRefusal() throws IOException {
    EnumSet<AuthenticatedTurn.Reached> reached = EnumSet.noneOf(AuthenticatedTurn.Reached.class);
    List<Path> seeds;
    try (Stream<Path> files = Files.list(SEEDS)) {
      seeds = files.sorted().toList();
    }
    assertThat(seeds).isNotEmpty();
    for (Path seed : seeds) {
      reached.addAll(new AuthenticatedTurn(Files.readAllBytes(seed)).run());
    }
    assertThat(reached).containsExactlyInAnyOrderElementsOf(EnumSet.allOf(AuthenticatedTurn.Reached.class));
  }

  /** The invariants can fail: a relay whose policy lets private peers through is caught by the seeds. */
  @Test
  void invariantsCatchARelayThatPermitsInternalPeers() throws IOException {
    byte[] deniedPeers = Files.readAllBytes(SEEDS.resolve("denied-peers-v4"));
    assertThatThrownBy(() -> new AuthenticatedTurn(deniedPeers, List.of("0.0.0.0/0")).run())
        .isInstanceOf(AssertionError.class).hasMessageContaining("denied peer");
  }
}
