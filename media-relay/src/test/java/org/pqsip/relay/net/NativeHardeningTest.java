package org.pqsip.relay.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The JNI library as built: hardened (read back from its ELF file with binutils' readelf, which
 * comes with the gcc that built it), and wrong arguments thrown as a caller's bug instead of
 * passing for a refused datagram. The calls themselves are tested under the sanitizers by
 * src/test/c/udp_batch_test.c.
 */
class NativeHardeningTest {
  private static final Path LIBRARY = Path.of("target/classes/org/pqsip/relay/net/native/linux-x86_64/libpqrelay.so");

  private static String readelf(String... args) throws IOException, InterruptedException {
    String[] command = new String[args.length + 2];
    command[0] = "readelf";
    System.arraycopy(args, 0, command, 1, args.length);
    command[args.length + 1] = LIBRARY.toString();
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  @Test
  void libraryIsBuiltWithRelroBindNowStackProtectorAndNoExecutableStack() throws Exception {
    assumeTrue(Files.exists(LIBRARY), "the JNI library is not built on this platform");
    String dynamic = readelf("-d", "-W");
    assertThat(dynamic).as("-z now").contains("BIND_NOW");
    String segments = readelf("-l", "-W");
    assertThat(segments).as("-z relro").contains("GNU_RELRO");
    assertThat(segments.lines().filter(l -> l.contains("GNU_STACK")).findFirst().orElseThrow())
        .as("-z noexecstack").doesNotContain("RWE");
    assertThat(readelf("--dyn-syms", "-W")).as("-fstack-protector-strong").contains("__stack_chk_fail");
  }

  @Test
  void wrongArgumentsAreAnErrorNotADroppedDatagram() {
    assumeTrue(UdpBatch.AVAILABLE, "batched UDP system calls are not available on this platform");
    UdpBatch.Native data = UdpBatch.Native.of(ByteBuffer.allocateDirect(64 * 4));
    UdpBatch.Native meta = UdpBatch.Native.of(ByteBuffer.allocateDirect(UdpBatch.META * 4));
    assertThatThrownBy(() -> UdpBatch.send(-1, data, 64, meta, Integer.MAX_VALUE - 1, 2))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> UdpBatch.receive(-1, data, 64, meta, 5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> UdpBatch.receiveFrom(-1, data, 250, 10, meta)).isInstanceOf(IllegalArgumentException.class);
    // a refused datagram (here: a closed descriptor) is -errno, which the caller counts and skips
    assertThat(UdpBatch.receive(-1, data, 64, meta, 4)).isNegative().isNotEqualTo(UdpBatch.BAD_ARGUMENTS);
  }
}
