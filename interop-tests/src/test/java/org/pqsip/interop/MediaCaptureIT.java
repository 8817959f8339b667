package org.pqsip.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pqsip.keying.Policy;
import org.pqsip.media.AudioCodec;
import org.pqsip.media.ToneSource;
import org.pqsip.sdp.PqKemAttribute;
import org.pqsip.sdp.SessionDescription;
import org.pqsip.sip.SdpRewritingProxy;
import org.pqsip.sip.TestPhone;

/**
 * A packet capture (tshark on lo) of a PQ call's media: the tone's PCMU bytes never appear on
 * the wire. The same capture of a plain call finds them, which proves the check can fail.
 */
@Tag("external")
class MediaCaptureIT {
  static final Duration T = Duration.ofSeconds(20);
  @TempDir Path dir;

  /** Every 8-byte window of one second of the PCMU-encoded tone. */
  static Set<Long> toneWindows(double hz) {
    ToneSource tone = new ToneSource(hz);
    short[] pcm = new short[8000];
    short[] frame = new short[AudioCodec.FRAME_SAMPLES];
    for (int i = 0; i < pcm.length; i += frame.length) {
      tone.read(frame);
      System.arraycopy(frame, 0, pcm, i, frame.length);
    }
    byte[] enc = new byte[pcm.length];
    AudioCodec.PCMU.encode(pcm, pcm.length, enc, 0);
    Set<Long> windows = new HashSet<>();
    for (int i = 0; i + 8 <= enc.length; i++) {
      windows.add(window(enc, i));
    }
    return windows;
  }

  static long window(byte[] b, int i) {
    long v = 0;
    for (int k = 0; k < 8; k++) {
      v = (v << 8) | (b[i + k] & 0xff);
    }
    return v;
  }

  /** What happens in a captured call between set-up and hang-up. */
  interface Scenario {
    void run(TestPhone alice, TestPhone bob, int call) throws Exception;
  }

  /** Number of captured UDP payloads that contain any tone window. */
  long capturedCall(Policy policy, int sipBase, int mediaBase) throws Exception {
    return capturedCall(policy, sipBase, mediaBase, bob -> bob.uri(), (alice, bob, id) -> { });
  }

  long capturedCall(Policy policy, int sipBase, int mediaBase,
      java.util.function.Function<TestPhone, String> target, Scenario scenario) throws Exception {
    Path pcap = dir.resolve(policy.wireName() + ".pcap");
    String filter = "udp portrange " + mediaBase + "-" + (mediaBase + 399);
    try (ExternalProcess tshark =
        ExternalProcess.start("tshark", List.of("tshark", "-i", "lo", "-f", filter, "-w", pcap.toString()))) {
      tshark.awaitLine("Capturing on", T);
      TestPhone bob = TestPhone.start("bob", sipBase + 2, mediaBase + 200, dir, TestPhone.Options.of(policy, true).withTone(660));
      TestPhone alice = TestPhone.start("alice", sipBase, mediaBase, dir, TestPhone.Options.of(policy, false).withTone(440));
      try {
        int id = alice.ua().call(target.apply(bob));
        alice.log().await("established", T);
        bob.log().await(e -> e.type().equals("media") && (Long) e.get("packetsReceived") >= 100, T, "audio");
        scenario.run(alice, bob, id);
        alice.ua().hangup(id);
        bob.log().await("ended", T);
      } finally {
        alice.close();
        bob.close();
      }
    }
    ExternalProcess read =
        ExternalProcess.start("tshark-read", List.of("tshark", "-r", pcap.toString(), "-T", "fields", "-e", "udp.payload"));
    read.waitForExit(T);
    Set<Long> windows = toneWindows(440);
    windows.addAll(toneWindows(660));
    long packets = 0;
    long leaking = 0;
    for (String line : read.output().split("\n")) {
      line = line.trim();
      if (line.isEmpty() || !line.matches("[0-9a-fA-F:]+")) {
        continue;
      }
      byte[] payload = HexFormat.of().parseHex(line.replace(":", ""));
      packets++;
      for (int i = 0; i + 8 <= payload.length; i++) {
        if (windows.contains(window(payload, i))) {
          leaking++;
          break;
        }
      }
    }
    assertThat(packets).as("captured media packets").isGreaterThan(150);
    return leaking;
  }

  @Test
  void pqCallMediaOnTheWireIsCiphertext() throws Exception {
    assertThat(capturedCall(Policy.REQUIRE, 27070, 47000)).isZero();
  }

  /**
   * A PBX that stays in the dialog strips pqkem from a re-INVITE under policy prefer (where a
   * first call without pqkem would be allowed): Bob answers 488, and everything on the wire
   * before and after, 200 more packets each way, is still ciphertext.
   */
  @Test
  void afterAStrippedReInviteIsRefusedMediaOnTheWireStaysCiphertext() throws Exception {
    int[] invites = {0};
    SdpRewritingProxy.Rewriter strip = (towardCallee, start, body) ->
        towardCallee && start.startsWith("INVITE") && ++invites[0] > 1
            ? SessionDescription.parse(body).withoutSessionLines(l -> l.isAttribute(PqKemAttribute.NAME)).format()
            : body;
    int proxyPort = 27096;
    SdpRewritingProxy[] pbx = new SdpRewritingProxy[1];
    long leaking = capturedCall(Policy.PREFER, 27090, 47800,
        bob -> {
          try {
            pbx[0] = new SdpRewritingProxy(proxyPort, new InetSocketAddress(InetAddress.getLoopbackAddress(), bob.port()), strip, true);
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
          return "sip:bob@127.0.0.1:" + proxyPort + ";transport=tcp";
        },
        (alice, bob, id) -> {
          alice.ua().rekey(id);
          assertThat((String) bob.log().await("error", T).get("message")).contains("pqkem-downgrade-refused");
          assertThat((String) alice.log().await("error", T).get("message")).contains("488");
          long now = (Long) bob.log().all().stream().filter(e -> e.type().equals("media")).reduce((a, b) -> b).orElseThrow().get("packetsReceived");
          bob.log().await(e -> e.type().equals("media") && (Long) e.get("packetsReceived") >= now + 200, T, "audio after the refusal");
          assertThat(bob.log().all()).noneMatch(e -> e.type().equals("media") && !e.get("authFailures").equals(0L));
        });
    pbx[0].close();
    assertThat(invites[0]).isEqualTo(2);
    assertThat(leaking).isZero();
  }

  @Test
  void controlPlainCallShowsTheToneOnTheWire() throws Exception {
    assertThat(capturedCall(Policy.OFF, 27080, 47400)).isGreaterThan(100);
  }
}
