package org.pqsip.sip;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The test phones of one test: SIP ports counted on from a base of the test class's own (never
 * reused within a run, so no port is still closing when the next test binds it), media ports
 * 50 per SIP port from a media base, and every phone (with its peer store) closed at the end.
 */
public final class TestPhones implements AutoCloseable {
  private static final Map<Integer, Integer> NEXT = new ConcurrentHashMap<>();

  private final int sipBase;
  private final int mediaBase;
  private final Path dir;
  private final List<TestPhone> started = new ArrayList<>();

  public TestPhones(int sipBase, int mediaBase, Path dir) {
    this.sipBase = sipBase;
    this.mediaBase = mediaBase;
    this.dir = dir;
  }

  /** A phone named {@code name}: 440 Hz for names starting with 'a', 660 Hz otherwise. */
  public TestPhone start(String name, TestPhone.Options options) throws Exception {
    int port = port();
    TestPhone p = TestPhone.start(name, port, mediaBase(port), dir,
        options.withTone(name.startsWith("a") ? 440 : 660));
    started.add(p);
    return p;
  }

  /** A fresh port (e.g. for a proxy between the phones), from the same count. */
  public int port() {
    return NEXT.merge(sipBase, 4, Integer::sum) - 4 + sipBase;
  }

  /** The first media port of the phone on SIP port {@code sipPort}. */
  public int mediaBase(int sipPort) {
    return mediaBase + (sipPort - sipBase) * 50;
  }

  @Override
  public void close() {
    started.forEach(TestPhone::close); // stores written before the temporary directory goes
    started.clear();
  }
}
