package org.pqsip.sip;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.pqsip.keying.Policy;

/**
 * Base of the tests that run real phones on loopback: each test gets its phones from
 * {@link #phone}, with ports from the class's own bases, and they are closed after it.
 */
abstract class LoopbackPhones {
  @TempDir Path dir;
  private final int sipBase;
  private final int mediaBase;
  TestPhones phones;

  LoopbackPhones(int sipBase, int mediaBase) {
    this.sipBase = sipBase;
    this.mediaBase = mediaBase;
  }

  TestPhone phone(String name, Policy policy, boolean autoAnswer) throws Exception {
    return phone(name, TestPhone.Options.of(policy, autoAnswer));
  }

  TestPhone phone(String name, TestPhone.Options options) throws Exception {
    if (phones == null) {
      phones = new TestPhones(sipBase, mediaBase, dir);
    }
    return phones.start(name, options);
  }

  @AfterEach
  void closePhones() {
    if (phones != null) {
      phones.close();
    }
  }
}
