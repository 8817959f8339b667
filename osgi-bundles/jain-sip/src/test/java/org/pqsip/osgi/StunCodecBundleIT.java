package org.pqsip.osgi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.pqsip.stun.StunMessage;

/**
 * Our STUN/TURN codec as an OSGi bundle (its manifest computed by bnd from the package
 * annotations) in a real Felix 7 framework: it resolves against the JDK alone, starts, exports
 * {@code org.pqsip.stun} at its annotated version, and works from the bundle's own class loader.
 */
class StunCodecBundleIT {
  @TempDir
  Path storage;

  @Test
  void theCodecIsABundleThatResolvesAndExportsItsVersionedPackage() throws Exception {
    // the codec as this build made it: its jar, or its classes directory inside the reactor
    Path built = Path.of(StunMessage.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    try (Felix felix = new Felix(storage)) {
      Bundle codec = felix.start(built);
      assertThat(codec.getState()).as("bundle state").isEqualTo(Bundle.ACTIVE);
      assertThat(codec.getSymbolicName()).isEqualTo("org.pqsip.stun-codec");
      assertThat(Felix.exports(codec)).containsExactly(Map.entry("org.pqsip.stun", "0.1.0"));

      Class<?> message = codec.loadClass("org.pqsip.stun.StunMessage");
      assertThat(message.getClassLoader()).as("from the bundle").isNotSameAs(StunMessage.class.getClassLoader());
      byte[] bindingRequest = {0, 1, 0, 0, 0x21, 0x12, (byte) 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
      assertThat(message.getMethod("looksLikeStun", byte[].class, int.class, int.class).invoke(null, bindingRequest, 0, 20))
          .isEqualTo(Boolean.TRUE);
    }
  }
}
