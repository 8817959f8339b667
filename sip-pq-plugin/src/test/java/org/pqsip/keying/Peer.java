package org.pqsip.keying;

import java.security.SecureRandom;
import org.pqsip.testing.ShakeRandom;

/** A test party: its config, its peer store and a seeded random source. */
record Peer(String name, KeyingConfig config, PeerStore store, SecureRandom random) {
  static Peer of(String name, Policy policy) {
    ShakeRandom r = new ShakeRandom("peer " + name);
    return new Peer(name, KeyingConfig.defaults(policy, DeviceId.random(r)), new InMemoryPeerStore(), r);
  }

  Peer with(KeyingConfig c) {
    return new Peer(name, c, store, random);
  }

  /** The same device after losing its retained secrets (reinstall, reset). */
  Peer withLostStore() {
    return new Peer(name, config, new InMemoryPeerStore(), random);
  }

  KeyingSession session(Peer remote) {
    return new KeyingSession(config, store, "sip:" + remote.name + "@pq.test", random);
  }
}
