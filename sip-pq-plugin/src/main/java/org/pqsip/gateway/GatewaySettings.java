package org.pqsip.gateway;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.pqsip.keying.DeviceId;
import org.pqsip.media.AudioCodec;
import org.pqsip.phone.PhoneSettings;
import org.pqsip.store.FilePeerStore;

/**
 * The trunk gateway's configuration file, as an admin writes it ({@code ./pq gateway --config
 * FILE}; docs in {@code sip-pq-plugin/dist/gateway.conf}): {@code KEY = VALUE} lines, {@code #}
 * comments. {@code lan.*} and {@code trunk.*} keys are the phone's settings for each side
 * ({@code sip}, {@code user}, {@code policy}, {@code sdes}, {@code media}, {@code codec},
 * {@code proxy}, {@code register}, {@code tls-cert}, {@code tls-key}, {@code tls-ca},
 * {@code relay}, {@code relay-secret-file}, {@code relay-ca}, {@code p2p-window}, as for
 * {@code ./pq phone}); {@code to-trunk} and {@code to-lan} lines (repeatable, first match wins)
 * are the routes; {@code state-dir} keeps the far gateways the trunk side remembers. Every error
 * names the line or key to correct.
 */
public final class GatewaySettings {
  private static final Set<String> SIDE_KEYS = Set.of("sip", "user", "policy", "sdes", "media", "codec", "proxy",
      "register", "tls-cert", "tls-key", "tls-ca", "relay", "relay-secret-file", "relay-ca", "p2p-window");

  private GatewaySettings() {}

  /**
   * Reads and checks {@code file}. The state directory is {@code stateDir} when given, else the
   * file's {@code state-dir}, else {@code ~/.pqsip/gateway}.
   */
  public static GatewayConfig read(Path file, Optional<Path> stateDir) throws IOException {
    List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
    if (stateDir.isPresent()) {
      lines.replaceAll(l -> l.strip().startsWith("state-dir") ? "" : l); // blanked, so line numbers stay
    }
    return parse(lines, stateDir.orElse(Path.of(System.getProperty("user.home"), ".pqsip", "gateway")));
  }

  /** Parses the lines of a configuration file. @throws IllegalArgumentException naming what to fix */
  public static GatewayConfig parse(List<String> lines, Path defaultStateDir) throws IOException {
    Map<String, String> lan = new HashMap<>();
    Map<String, String> trunk = new HashMap<>();
    String[] toTrunk = new String[lines.size()];
    String[] toLan = new String[lines.size()];
    Arrays.fill(toTrunk, "");
    Arrays.fill(toLan, "");
    Path stateDir = defaultStateDir;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("line " + (i + 1) + ": needs KEY = VALUE");
      }
      String key = line.substring(0, eq).strip();
      String value = line.substring(eq + 1).strip();
      if (key.equals("to-trunk")) {
        toTrunk[i] = value;
      } else if (key.equals("to-lan")) {
        toLan[i] = value;
      } else if (key.equals("state-dir")) {
        stateDir = Path.of(value);
      } else if (key.startsWith("lan.") || key.startsWith("trunk.")) {
        Map<String, String> side = key.startsWith("lan.") ? lan : trunk;
        String name = key.substring(key.indexOf('.') + 1);
        if (!SIDE_KEYS.contains(name)) {
          throw new IllegalArgumentException("line " + (i + 1) + ": unknown key " + key + " (a side takes " + String.join(", ",
              SIDE_KEYS.stream().sorted().toList()) + ")");
        }
        String before = side.put(name, value);
        if (before != null && name.equals("relay")) {
          side.put(name, before + "," + value); // several relays
        } else if (before != null) {
          throw new IllegalArgumentException("line " + (i + 1) + ": " + key + " given twice");
        }
      } else {
        throw new IllegalArgumentException("line " + (i + 1) + ": unknown key " + key
            + " (keys: lan.*, trunk.*, to-trunk, to-lan, state-dir)");
      }
    }
    RouteTable trunkRoutes = routes(toTrunk, "to-trunk");
    RouteTable lanRoutes = routes(toLan, "to-lan");
    if (trunkRoutes.size() == 0 && lanRoutes.size() == 0) {
      throw new IllegalArgumentException("no routes: give to-trunk (calls from the site) and/or to-lan (calls to it) lines");
    }
    // Each side's peer store names this gateway's device in its offers (continuity at the far end).
    Files.createDirectories(stateDir);
    PhoneSettings lanSettings = side("lan", lan, "prefer", 42000, stateDir.resolve("lan"));
    PhoneSettings trunkSettings = side("trunk", trunk, "require", 43000, stateDir.resolve("trunk"));
    return new GatewayConfig(lanSettings.toConfig(self(lanSettings)), trunkSettings.toConfig(self(trunkSettings)),
        trunkRoutes, lanRoutes, stateDir, lanSettings.register(), trunkSettings.register());
  }

  private static DeviceId self(PhoneSettings s) throws IOException {
    try (FilePeerStore store = FilePeerStore.open(s.stateDir(), s.user(), new java.security.SecureRandom())) {
      return store.self();
    }
  }

  private static RouteTable routes(String[] lines, String key) {
    try {
      return RouteTable.parse(List.of(lines));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + " " + e.getMessage()); // "to-lan route line 12: ..."
    }
  }

  private static PhoneSettings side(String name, Map<String, String> k, String policy, int firstPort, Path stateDir) {
    String sip = required(k, name, "sip");
    String user = required(k, name, "user");
    String host = sip.substring(sip.indexOf(':') + 1, Math.max(sip.indexOf(':') + 1, sip.lastIndexOf(':')));
    String media = k.getOrDefault("media", host + ":" + firstPort + "-" + (firstPort + 999));
    AudioCodec codec;
    try {
      codec = AudioCodec.valueOf(k.getOrDefault("codec", "PCMU").toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(name + ".codec must be PCMU or PCMA");
    }
    List<String> relays = new ArrayList<>();
    if (k.containsKey("relay")) {
      for (String r : k.get("relay").split(",")) {
        relays.add(r.strip());
      }
    }
    return new PhoneSettings(sip, user, k.getOrDefault("policy", policy), flag(k, name, "sdes"), media, codec, 0,
        Optional.empty(), Optional.empty(), Optional.ofNullable(k.get("proxy")), flag(k, name, "register"), false,
        path(k, "tls-cert"), path(k, "tls-key"), path(k, "tls-ca"), relays, Optional.empty(), path(k, "relay-secret-file"),
        path(k, "relay-ca"), k.getOrDefault("p2p-window", PhoneSettings.DEFAULT_P2P_WINDOW), stateDir);
  }

  private static String required(Map<String, String> k, String side, String key) {
    String v = k.get(key);
    if (v == null || v.isEmpty()) {
      throw new IllegalArgumentException(side + "." + key + " is missing");
    }
    return v;
  }

  private static boolean flag(Map<String, String> k, String side, String key) {
    String v = k.getOrDefault(key, "false");
    if (!v.equals("true") && !v.equals("false")) {
      throw new IllegalArgumentException(side + "." + key + " must be true or false");
    }
    return Boolean.parseBoolean(v);
  }

  private static Optional<Path> path(Map<String, String> k, String key) {
    return Optional.ofNullable(k.get(key)).map(Path::of);
  }
}
