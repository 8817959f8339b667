package org.pqsip.osgi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;

/**
 * The wrapped JAIN-SIP in a real Felix 7 framework (the one the distribution will ship): it
 * resolves against the JDK's packages alone (log4j and SCTP optional), starts, exports the
 * JAIN-SIP API and the NIST implementation with versions, and lets any class be loaded by name
 * (DynamicImport-Package: the stack loads its logger and router classes that way).
 */
class JainSipBundleIT {
  @TempDir
  Path storage;

  @Test
  void theWrappedBundleResolvesStartsAndExportsJainSip() throws Exception {
    try (Felix felix = new Felix(storage)) {
      // the module's classes with the manifest bnd computed, as an exploded bundle
      Bundle sip = felix.start(Path.of("target/classes"));
      assertThat(sip.getState()).as("bundle state").isEqualTo(Bundle.ACTIVE);
      assertThat(sip.getSymbolicName()).isEqualTo("org.pqsip.jain-sip-ri");
      assertThat(sip.getHeaders().get(Constants.DYNAMICIMPORT_PACKAGE)).isEqualTo("*");
      assertThat(Felix.exports(sip)).containsEntry("javax.sip", "1.3.0").containsEntry("javax.sip.header", "1.3.0")
          .containsEntry("javax.sdp", "1.3.0").containsEntry("gov.nist.javax.sip", "1.3.0.91")
          .containsEntry("gov.nist.javax.sip.stack", "1.3.0.91");

      Class<?> stack = sip.loadClass("gov.nist.javax.sip.SipStackImpl");
      assertThat(stack.getClassLoader()).as("loaded by the bundle, not the test's class path")
          .isNotSameAs(getClass().getClassLoader());
    }
  }
}
