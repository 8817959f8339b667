package org.pqsip.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The relay jar that {@code ./pq relay}, {@code ./pq bench relay} and the systemd unit run: its
 * runtime dependencies only. (./pq relay used to run the relay on Maven's test class path:
 * JUnit, Jazzer, jqwik, ArchUnit and AssertJ inside an internet-facing service.)
 */
class RelayJarIT {
  static final Path JAR = Path.of("..", "media-relay", "target", "pq-relay.jar");

  @Test
  void holdsNoTestFrameworkAndStarts() throws Exception {
    assertThat(JAR).exists();
    List<String> forbidden = List.of("org/junit/", "com/code_intelligence/", "net/jqwik/", "com/tngtech/archunit/",
        "org/assertj/", "org/opentest4j/", "org/mockito/");
    try (JarFile jar = new JarFile(JAR.toFile())) {
      List<String> found = jar.stream().map(e -> e.getName())
          .filter(n -> forbidden.stream().anyMatch(n::startsWith)).limit(5).toList();
      assertThat(found).as("test classes in the relay jar").isEmpty();
      assertThat(jar.getEntry("org/pqsip/relay/cli/Relay.class")).isNotNull();
    }
    ExternalProcess help = ExternalProcess.start("pq-relay", List.of("java", "-jar", JAR.toString(), "--help"));
    assertThat(help.waitForExit(Duration.ofSeconds(30))).isZero();
    assertThat(help.output()).contains("--listen").contains("--auth-secret");
    assertThat(Files.size(JAR)).isPositive();
  }
}
