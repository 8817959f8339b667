package org.pqsip.ice;

import java.time.Duration;

/**
 * The path policy's timing. {@code p2pWindow}: how long after checks start a host or
 * server-reflexive pair may take before the relay pair is nominated. {@code silence}: how long
 * without media on a path that was carrying it before we suspect it (and start sending on the
 * standby too). {@code probeTimeout}: a probe without answer for this long has failed.
 * {@code probeInterval}: how often a path we left (or a quiet path) is probed.
 * {@code recoveryProbes}: how many probes in a row must succeed before media moves back.
 */
public record PathSettings(Duration p2pWindow, Duration silence, Duration probeTimeout, Duration probeInterval,
    int recoveryProbes) {

  public static final PathSettings DEFAULTS = new PathSettings(
      Duration.ofMillis(800), Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofMillis(250), 4);

  public PathSettings {
    if (p2pWindow.isNegative() || p2pWindow.compareTo(Duration.ofSeconds(10)) > 0) {
      throw new IllegalArgumentException("p2p window must be 0 to 10 s, not " + p2pWindow.toMillis() + " ms");
    }
    if (silence.toMillis() < 20 || probeTimeout.toMillis() < 10 || probeInterval.toMillis() < 20) {
      throw new IllegalArgumentException("silence >= 20 ms, probe timeout >= 10 ms and probe interval >= 20 ms");
    }
    if (recoveryProbes < 1 || recoveryProbes > 100) {
      throw new IllegalArgumentException("recovery probes must be 1 to 100, not " + recoveryProbes);
    }
  }

  /** The defaults with another P2P window (the phone's {@code --p2p-window}). */
  public PathSettings withP2pWindow(Duration window) {
    return new PathSettings(window, silence, probeTimeout, probeInterval, recoveryProbes);
  }
}
