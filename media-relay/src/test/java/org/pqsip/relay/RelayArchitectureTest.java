package org.pqsip.relay;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The relay never holds keys: it does not depend on the keying code, or on any crypto library's KEM. */
class RelayArchitectureTest {
  static final JavaClasses RELAY =
      new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("org.pqsip.relay", "org.pqsip.stun");

  @Test
  void relayDoesNotDependOnKeying() {
    noClasses()
        .that().resideInAnyPackage("org.pqsip.relay..", "org.pqsip.stun..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "org.pqsip.keying..", "org.pqsip.crypto..", "org.pqsip.srtp..", "org.pqsip.negotiation..",
            "org.bouncycastle..", "org.jitsi.srtp..")
        .because("the relay forwards ciphertext and must never be able to hold call keys")
        .check(RELAY);
  }
}
