package org.pqsip.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pqsip.crypto.Secret;
import org.pqsip.keying.DeviceId;
import org.pqsip.keying.PeerRecord;

/** The file-backed peer store: what it refuses, what it keeps, and that it loses nothing. */
class FilePeerStoreTest {
  @TempDir Path dir;
  private final SecureRandom random = new SecureRandom();

  private PeerRecord record(DeviceId d, boolean verified) {
    byte[] rs = new byte[32];
    random.nextBytes(rs);
    return new PeerRecord(d, Secret.adopt(rs), Optional.empty(), verified, true, Optional.empty());
  }

  @Test
  void twoProcessesSharingTheStateDirectoryLoseNoUpdate() throws IOException {
    FilePeerStore one = FilePeerStore.open(dir, "sip:me@pq.test", random);
    FilePeerStore two = FilePeerStore.open(dir, "sip:me@pq.test", random);
    DeviceId a = DeviceId.random(random);
    DeviceId b = DeviceId.random(random);
    one.putDevice(record(a, false));
    two.putDevice(record(b, false)); // two never saw a: it must re-read before writing
    one.linkDevice("sip:bob@pq.test", a);
    two.linkDevice("sip:bob@pq.test", b);
    one.flush();
    two.flush();
    FilePeerStore fresh = FilePeerStore.open(dir, "sip:me@pq.test", random);
    assertThat(fresh.device(a)).isPresent();
    assertThat(fresh.device(b)).isPresent();
    assertThat(fresh.devicesOf("sip:bob@pq.test")).containsExactlyInAnyOrder(a, b);
    assertThat(fresh.self()).isEqualTo(one.self());
  }

  @Test
  void addressesOfRecordAreNotInTheFileInClearNorAsAPlainHash() throws IOException {
    FilePeerStore s = FilePeerStore.open(dir, "sip:me@pq.test", random);
    s.linkDevice("sip:bob@pq.test", DeviceId.random(random));
    s.flush();
    String text = Files.readString(s.file(), StandardCharsets.US_ASCII);
    assertThat(text).doesNotContain("bob").doesNotContain("pq.test");
    FilePeerStore other = FilePeerStore.open(dir.resolve("other"), "sip:me@pq.test", random);
    other.linkDevice("sip:bob@pq.test", DeviceId.random(random));
    other.flush();
    String otherLine = Files.readString(other.file()).lines().filter(l -> l.startsWith("aor ")).findFirst().orElseThrow();
    String line = text.lines().filter(l -> l.startsWith("aor ")).findFirst().orElseThrow();
    assertThat(line.split(" ")[1]).as("keyed per store").isNotEqualTo(otherLine.split(" ")[1]);
  }

  @Test
  void anEmptyRetainedSecretInTheFileIsRefusedWithTheLineNumber() throws IOException {
    FilePeerStore s = FilePeerStore.open(dir, "sip:me@pq.test", random);
    Files.writeString(s.file(), Files.readString(s.file()) + "device " + DeviceId.random(random).text() + " - - 0 0 - 0\n");
    assertThatThrownBy(() -> FilePeerStore.open(dir, "sip:me@pq.test", random))
        .isInstanceOf(IOException.class).hasMessageContaining(":4:");
  }

  @Test
  void theStoreStaysBoundedAndKeepsVerifiedDevices() throws IOException {
    long[] now = {1};
    int max = 20; // the same rule as the default 2,000, with fewer file writes
    FilePeerStore s = FilePeerStore.open(dir, "sip:me@pq.test", random, () -> now[0]++, max);
    DeviceId verified = DeviceId.random(random);
    s.putDevice(record(verified, true));
    for (int i = 0; i < max + 10; i++) {
      s.putDevice(record(DeviceId.random(random), false));
    }
    assertThat(s.devices()).hasSize(max);
    assertThat(s.device(verified)).isPresent();
    s.close();
    FilePeerStore reopened = FilePeerStore.open(dir, "sip:me@pq.test", random);
    assertThat(reopened.devices()).hasSize(max);
    assertThat(reopened.device(verified)).isPresent();
  }

  /**
   * The identity a device was verified as, and its last use, survive a reopen. The reader took
   * them only from 8-field lines while the writer writes 9 (with the older secrets): after a
   * restart every verified device had lost who it was verified as (found by pq:peers in Felix).
   */
  @Test
  void theVerifiedIdentityAndLastUseSurviveAReopen() throws IOException {
    FilePeerStore s = FilePeerStore.open(dir, "sip:me@pq.test", random, () -> 1000, 20);
    DeviceId bob = DeviceId.random(random);
    byte[] rs = new byte[32];
    random.nextBytes(rs);
    s.putDevice(new PeerRecord(bob, Secret.adopt(rs), Optional.empty(), true, true, Optional.of("sip:bob@pq.test")));
    DeviceId carol = DeviceId.random(random);
    s.putDevice(record(carol, false)); // last used at 1000
    s.close();
    assertThat(Files.readString(s.file()).lines().filter(l -> l.startsWith("device ")).findFirst().orElseThrow().split(" "))
        .hasSize(9);
    long[] earlier = {1};
    FilePeerStore reopened = FilePeerStore.open(dir, "sip:me@pq.test", random, () -> earlier[0]++, 20);
    assertThat(reopened.device(bob).orElseThrow().identity()).contains("sip:bob@pq.test");
    for (int i = 0; i < 25; i++) {
      reopened.putDevice(record(DeviceId.random(random), false)); // used before carol: evicted first
    }
    assertThat(reopened.device(carol)).as("the most recently used unverified device stays").isPresent();
    reopened.close(); // its writer thread done before the temporary directory goes
  }
}
