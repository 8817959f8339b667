package org.pqsip.interop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Felix distribution from its {@code .tar.gz}, unpacked into a directory and run in its own
 * JVM ({@code java -jar bin/felix.jar}, as {@code bin/pq-felix} does), driven line by line
 * through the Gogo shell on its standard input.
 */
final class FelixShell implements AutoCloseable {
  private static final Duration T = Duration.ofSeconds(30);
  /** A log record (conf/logging.properties' format) on the same stream as the shell's output. */
  private static final java.util.regex.Pattern LOG_LINE =
      java.util.regex.Pattern.compile("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d [A-Z]+ ");

  final Path home;
  final ExternalProcess felix;
  private final AtomicInteger commands = new AtomicInteger();

  private FelixShell(Path home, ExternalProcess felix) {
    this.home = home;
    this.felix = felix;
  }

  /** Unpacks {@code tarGz} into {@code dir}, lets {@code prepare} edit it, and starts it. */
  static FelixShell start(Path tarGz, Path dir, IoConsumer<Path> prepare) throws Exception {
    Process tar = new ProcessBuilder("tar", "xzf", tarGz.toString(), "-C", dir.toString()).inheritIO().start();
    if (tar.waitFor() != 0) {
      throw new IllegalStateException("tar xzf " + tarGz + " failed");
    }
    Path home;
    try (var entries = Files.list(dir)) {
      home = entries.filter(p -> p.getFileName().toString().startsWith("pq-felix-")).findFirst().orElseThrow();
    }
    prepare.accept(home);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ExternalProcess felix = ExternalProcess.start("felix",
        List.of(java, "-Djava.util.logging.config.file=conf/logging.properties", "-jar", "bin/felix.jar"), home);
    return new FelixShell(home, felix);
  }

  /**
   * Runs one shell command and returns what it printed (prompts removed), waiting for a marker
   * echoed after it; the marker's printed form ("END n") differs from its command line.
   */
  String run(String command) throws IOException, InterruptedException {
    int n = commands.incrementAndGet();
    int from = felix.output().length();
    felix.send(command);
    felix.send("echo \"END\" \"" + n + "\"");
    String marker = "END " + n;
    String out = felix.await(o -> o.indexOf(marker, from) >= 0, T, "the output of '" + command + "'");
    return out.substring(from, out.indexOf(marker, from)).replace("g! ", "").lines()
        .filter(l -> !LOG_LINE.matcher(l).lookingAt()).collect(java.util.stream.Collectors.joining("\n")).strip();
  }

  /** Runs {@code command} until its output contains {@code needle}; returns that output. */
  String runUntil(String command, String needle) throws IOException, InterruptedException {
    return runUntil(command, o -> o.contains(needle), "'" + needle + "'");
  }

  /** Runs {@code command} until its output satisfies {@code p}; returns that output. */
  String runUntil(String command, java.util.function.Predicate<String> p, String what)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + T.toNanos();
    while (true) {
      String out = run(command);
      if (p.test(out)) {
        return out;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("'" + command + "' never showed " + what + "; last output:\n" + out);
      }
      synchronized (this) {
        wait(100); // a poll interval, not a guess at readiness: the loop checks the real output
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    felix.close();
  }

  interface IoConsumer<T> {
    void accept(T t) throws IOException;
  }
}
