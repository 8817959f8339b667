package org.pqsip.media;

import java.util.concurrent.ThreadFactory;

/** Named daemon threads for drivers: they never keep a JVM alive on their own. */
public final class DaemonThreads {
  private DaemonThreads() {}

  public static ThreadFactory named(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
