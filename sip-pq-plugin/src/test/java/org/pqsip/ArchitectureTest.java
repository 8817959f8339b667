package org.pqsip;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Structural promises of the plugin, checked on the compiled classes. */
class ArchitectureTest {
  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("org.pqsip");

  @Test
  void bouncyCastleTypesNeverAppearInPublicSignatures() {
    List<String> leaks = new ArrayList<>();
    for (JavaClass c : CLASSES) {
      if (!c.getModifiers().contains(JavaModifier.PUBLIC)) {
        continue;
      }
      for (JavaCodeUnit m : c.getCodeUnits()) {
        if (!m.getModifiers().contains(JavaModifier.PUBLIC)) {
          continue;
        }
        List<JavaClass> types = new ArrayList<>(m.getRawParameterTypes());
        types.add(m.getRawReturnType());
        for (JavaClass t : types) {
          if (t.getPackageName().startsWith("org.bouncycastle")) {
            leaks.add(m.getFullName());
          }
        }
      }
    }
    assertThat(leaks).isEmpty();
  }

  @Test
  void keyingCoreIsSansIo() {
    noClasses()
        .that().resideInAnyPackage("org.pqsip.keying..", "org.pqsip.crypto..", "org.pqsip.sdp..", "org.pqsip.negotiation..")
        .should().dependOnClassesThat().resideInAnyPackage("java.net..", "java.nio.channels..")
        .orShould().dependOnClassesThat().belongToAnyOf(Thread.class, java.util.concurrent.ExecutorService.class, java.time.Clock.class)
        .because("cores take time and randomness as inputs and never open sockets or threads")
        .check(CLASSES);
  }

  @Test
  void keyingCoreReadsNoClock() {
    noClasses()
        .that().resideInAnyPackage("org.pqsip.keying..", "org.pqsip.crypto..", "org.pqsip.sdp..", "org.pqsip.negotiation..")
        .should().callMethod(System.class, "currentTimeMillis")
        .orShould().callMethod(System.class, "nanoTime")
        .check(CLASSES);
  }

  @Test
  void callStateMachineIsSansIo() {
    noClasses()
        .that().resideInAPackage("org.pqsip.call..")
        .should().dependOnClassesThat().resideInAnyPackage("java.nio.channels..", "javax.sip..", "org.pqsip.sip..")
        .orShould().dependOnClassesThat().belongToAnyOf(
            java.net.Socket.class, java.net.DatagramSocket.class, java.net.ServerSocket.class,
            Thread.class, java.util.concurrent.ExecutorService.class, java.time.Clock.class,
            org.pqsip.media.MediaSession.class, org.pqsip.media.UdpMediaTransport.class)
        .orShould().callMethod(System.class, "currentTimeMillis")
        .orShould().callMethod(System.class, "nanoTime")
        .because("the call state machine takes now as an input and leaves SIP, sockets and threads to its driver")
        .check(CLASSES);
  }

  @Test
  void keyingDoesNotDependOnTheDemo() {
    noClasses()
        .that().resideOutsideOfPackage("org.pqsip.demo..")
        .should().dependOnClassesThat().resideInAPackage("org.pqsip.demo..")
        .check(CLASSES);
  }
}
