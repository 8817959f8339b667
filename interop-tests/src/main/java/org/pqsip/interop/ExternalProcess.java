package org.pqsip.interop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A third-party program (kamailio, baresip, tshark) started by a test: its merged output is kept
 * so tests can wait for a line with a deadline, and {@link #close()} stops exactly this process
 * (by its handle, never by name).
 */
public final class ExternalProcess implements AutoCloseable {
  private final String name;
  private final Process process;
  private final StringBuilder output = new StringBuilder();
  private boolean drained;

  private ExternalProcess(String name, Process process) {
    this.name = name;
    this.process = process;
    Thread reader = new Thread(this::drain, name + "-output");
    reader.setDaemon(true);
    reader.start();
  }

  public static ExternalProcess start(String name, List<String> command) throws IOException {
    return start(name, command, null);
  }

  /** Runs {@code command} in {@code directory} (null: ours). */
  public static ExternalProcess start(String name, List<String> command, java.nio.file.Path directory)
      throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.redirectInput(ProcessBuilder.Redirect.PIPE);
    if (directory != null) {
      pb.directory(directory.toFile());
    }
    return new ExternalProcess(name, pb.start());
  }

  public long pid() {
    return process.pid();
  }

  /** Closes the program's standard input (end of file: a shell ends). */
  public void closeInput() throws IOException {
    process.getOutputStream().close();
  }

  private void drain() {
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = nextLine(r); line != null; line = nextLine(r)) {
        synchronized (this) {
          output.append(line).append('\n');
          notifyAll();
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("closing the output of " + process.pid(), e);
    } finally {
      synchronized (this) {
        drained = true;
        notifyAll();
      }
    }
  }

  /** The next line, or null at the end: a read error means the process closed its output. */
  private static String nextLine(BufferedReader r) {
    try {
      return r.readLine();
    } catch (IOException e) {
      return null;
    }
  }

  /** Waits until the output so far satisfies {@code p}; fails with the output on timeout or exit. */
  public String await(Predicate<String> p, Duration timeout, String what) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (this) {
      while (!p.test(output.toString())) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || (!process.isAlive() && drained)) {
          throw new AssertionError(name + ": " + what + " not seen within " + timeout
              + (process.isAlive() ? "" : " (exited " + process.exitValue() + ")") + "; output:\n" + tail());
        }
        wait(Math.max(1, Math.min(left / 1_000_000, 200)));
      }
      return output.toString();
    }
  }

  /** Waits until a TCP connection to {@code port} on loopback succeeds. */
  public void awaitTcp(int port, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try (java.net.Socket s = new java.net.Socket()) {
        s.connect(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 200);
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline || !process.isAlive()) {
          throw new AssertionError(name + ": TCP port " + port + " not accepting within " + timeout + "; output:\n" + tail());
        }
        synchronized (this) {
          wait(50); // a retry interval, not a guess at readiness: the loop checks the real condition
        }
      }
    }
  }

  public String awaitLine(String needle, Duration timeout) throws InterruptedException {
    return await(o -> o.contains(needle), timeout, "'" + needle + "'");
  }

  /** Writes one line to the program's standard input (e.g. a linphonec command). */
  public void send(String line) throws IOException {
    var in = process.getOutputStream();
    in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    in.flush();
  }

  public synchronized String output() {
    return output.toString();
  }

  private String tail() {
    String o = output.toString();
    return o.length() > 4000 ? o.substring(o.length() - 4000) : o;
  }

  /** SIGTERM, then SIGKILL after 5 s; waits for the exit. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(5, TimeUnit.SECONDS);
    }
  }

  public int waitForExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(name + " did not exit within " + timeout);
    }
    return process.exitValue();
  }
}
