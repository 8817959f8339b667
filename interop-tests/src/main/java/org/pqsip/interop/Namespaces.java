package org.pqsip.interop;

import java.util.ArrayList;
import java.util.List;

/**
 * The network namespaces one test set-up creates (each with {@code lo} up), and deletes again in
 * {@link #close}, last first; their interfaces go with them.
 */
public final class Namespaces implements AutoCloseable {
  private final List<String> created = new ArrayList<>();

  /** Creates namespace {@code ns} with its loopback up. */
  public void add(String ns) throws Exception {
    exec(List.of("ip", "netns", "add", ns));
    created.add(ns);
    run(ns, "ip", "link", "set", "lo", "up");
  }

  /** A command run inside namespace {@code ns}. */
  public static List<String> in(String ns, String... command) {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    cmd.addAll(List.of(command));
    return cmd;
  }

  /** Runs a command in namespace {@code ns} and fails with its output if it fails. */
  public void run(String ns, String... command) throws Exception {
    exec(in(ns, command));
  }

  /** Runs a command and fails with its output if it fails. */
  public static void exec(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
    }
  }

  /** Deletes every namespace created here, the last first; reports the first failure. */
  @Override
  public void close() throws Exception {
    Exception first = null;
    for (int i = created.size() - 1; i >= 0; i--) {
      try {
        exec(List.of("ip", "netns", "del", created.get(i)));
      } catch (Exception e) {
        first = first == null ? e : first;
      }
    }
    created.clear();
    if (first != null) {
      throw first;
    }
  }
}
