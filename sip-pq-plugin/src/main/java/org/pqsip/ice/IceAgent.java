package org.pqsip.ice;

import java.beans.PropertyChangeEvent;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.ice4j.Transport;
import org.ice4j.TransportAddress;
import org.ice4j.ice.Agent;
import org.ice4j.ice.CandidatePair;
import org.ice4j.ice.CandidateType;
import org.ice4j.ice.Component;
import org.ice4j.ice.HostCandidate;
import org.ice4j.ice.IceMediaStream;
import org.ice4j.ice.KeepAliveStrategy;
import org.ice4j.ice.LocalCandidate;
import org.ice4j.ice.NominationStrategy;
import org.ice4j.ice.RemoteCandidate;
import org.ice4j.ice.harvest.StunCandidateHarvester;
import org.ice4j.socket.IceSocketWrapper;
import org.ice4j.socket.IceUdpSocketWrapper;
import org.ice4j.socket.MultiplexingDatagramSocket;
import org.pqsip.stun.RestCredentials;

/**
 * ice4j behind our own small interface, for one call's audio (one component, RTP and RTCP
 * multiplexed, RFC 5761): candidates (a host candidate on our media address and port, a
 * server-reflexive one and a relayed one from our own relay), connectivity checks and
 * keep-alives for every succeeded pair. It decides nothing: pairs are reported as they validate
 * and the {@link PathPolicy} says which to nominate and send on. ice4j's nomination is off
 * ({@link NominationStrategy#NONE}).
 *
 * <p>Receiving: one thread per local candidate socket (host, relayed) reads what ice4j's STUN
 * layer leaves (media) and reports it with the pair it came over, so the policy knows which
 * path delivers. Datagrams from the peer's signalled addresses over a pair not validated here yet
 * are media too (pair {@link #EARLY}: the peer may validate and send first); datagrams from
 * anyone else are dropped.
 */
public final class IceAgent implements AutoCloseable {
  /** What the agent reports, on ice4j's threads and the receive threads. */
  public interface Events {
    void pairValidated(int pair, PathKind kind, long rttNanos);

    void nominatedByPeer(int pair);

    /** A check on this pair was answered (a consent keep-alive): the path works now. */
    void pairAnswered(int pair);

    /** A datagram that is not STUN arrived over {@code pair} ({@link #EARLY}: not validated here yet); the buffer is reused after return. */
    void media(int pair, byte[] data, int offset, int length);
  }

  /** The pair id of media from a signalled peer address over a pair not validated here yet. */
  public static final int EARLY = -1;
  private static final AtomicInteger TOKENS = new AtomicInteger();
  private static final java.time.Duration RELAY_TIMEOUT = java.time.Duration.ofMillis(1500);

  private final Agent agent;
  private final IceMediaStream stream;
  private final Component component;
  private final HostCandidate host;
  private final IceSocketWrapper hostSocket;
  private final Events events;
  private final Map<CandidatePair, Integer> ids = new ConcurrentHashMap<>();
  private final Map<Integer, CandidatePair> pairs = new ConcurrentHashMap<>();
  /** Per local socket (host or relayed candidate), validated remote address → pair: a lookup per packet, no scan. */
  private final Map<LocalCandidate, Map<SocketAddress, Integer>> routes = new ConcurrentHashMap<>();
  /** The peer's signalled candidate addresses: media from them counts before their pair validates here. */
  private final java.util.Set<SocketAddress> remoteAddresses = ConcurrentHashMap.newKeySet();
  private final List<Thread> receivers = new ArrayList<>();
  private final AtomicInteger nextId = new AtomicInteger(1);
  /** The datagram every send goes out in: nothing allocated per packet. */
  private final DatagramPacket out = new DatagramPacket(new byte[0], 0);
  private volatile long checksStarted;
  private volatile InetSocketAddress directRtp;
  private volatile InetSocketAddress directRtcp;
  private volatile boolean closed;

  private IceAgent(Agent agent, IceMediaStream stream, Component component, HostCandidate host,
      IceSocketWrapper hostSocket, Events events) {
    this.hostSocket = hostSocket;
    this.agent = agent;
    this.stream = stream;
    this.component = component;
    this.host = host;
    this.events = events;
  }

  /**
   * Gathers our candidates: the host candidate on {@code local} (a socket bound there, on a port
   * of our media range), then from the configured UDP relay, when it answered at start
   * ({@code relayReachable}), a server-reflexive candidate, and a relayed candidate with REST
   * credentials minted from the shared secret ({@link TurnClient} over UDP; over TCP or TLS from
   * a stream relay when UDP gives none).
   */
  public static IceAgent gather(IceConfig config, InetSocketAddress local, boolean controlling, boolean relayReachable,
      Events events) throws IOException {
    Agent agent = Ice4jSettings.newAgent();
    try {
      agent.setControlling(controlling);
      agent.setNominationStrategy(NominationStrategy.NONE);
      agent.setUseDynamicPorts(false); // ice4j harvests no interface itself: our host addresses only
      agent.setPerformConsentFreshness(true);
      IceMediaStream stream = agent.createMediaStream("audio");
      Component component = agent.createComponent(stream, KeepAliveStrategy.ALL_SUCCEEDED, false);
      // One host candidate per host address (the --media address, or every interface's for
      // 0.0.0.0), all on the same port; the first is the default (c=) and the non-ICE socket.
      List<InetAddress> hosts = HostAddresses.of(local.getAddress());
      List<HostCandidate> hostCandidates = new ArrayList<>();
      for (InetAddress h : hosts) {
        IceSocketWrapper s = new IceUdpSocketWrapper(new MultiplexingDatagramSocket(local.getPort(), h));
        HostCandidate c = new HostCandidate(s, component, Transport.UDP);
        component.addLocalCandidate(c); // from here agent.free() closes it if a later step fails
        c.getStunStack().addSocket(c.getStunSocket(null));
        hostCandidates.add(c);
      }
      HostCandidate host = hostCandidates.get(0);
      IceSocketWrapper socket = host.getCandidateIceSocketWrapper();
      Optional<RelayUri> relay = config.udpRelay();
      List<RelayUri> turn = new ArrayList<>();
      if (relay.isPresent() && relayReachable) {
        TransportAddress at = new TransportAddress(relay.get().address().getAddress(), relay.get().address().getPort(), Transport.UDP);
        new StunCandidateHarvester(at).harvest(component);
        turn.add(relay.get());
      }
      turn.addAll(config.streamRelays()); // UDP to the relay blocked (or no answer): TCP or TLS
      if (config.relaySecret().isPresent()) {
        relayCandidate(config, turn, component, hosts.get(0));
      }
      IceAgent a = new IceAgent(agent, stream, component, host, socket, events);
      stream.addPairChangeListener(a::pairChanged);
      for (HostCandidate c : hostCandidates) {
        a.receiveOn(c, c.getCandidateIceSocketWrapper());
      }
      for (LocalCandidate c : component.getLocalCandidates()) {
        IceSocketWrapper s = relayedSocket(c);
        if (s != null) {
          a.receiveOn(c, s);
        }
      }
      return a;
    } catch (IOException | RuntimeException e) {
      agent.free();
      throw e;
    }
  }

  /**
   * Realm-independent REST credentials: the token is random per call, so the relay cannot tell
   * calls of one phone apart from those of another.
   */
  private static String[] credentials(byte[] secret) {
    return new RestCredentials(secret, "").mint(System.currentTimeMillis() / 1000 + 3600, token());
  }

  /**
   * A relayed candidate from the first relay in {@code relays} that allocates within 1.5 s (our
   * {@link TurnClient}, over UDP from {@code local}, TCP or TLS); none when none does (the call then
   * has host and server-reflexive candidates only, as without a relay).
   */
  private static void relayCandidate(IceConfig config, List<RelayUri> relays, Component component, InetAddress local) {
    for (RelayUri r : relays) {
      TurnSocket relayed = null;
      try {
        relayed = new TurnSocket();
        String[] up = credentials(config.relaySecret().get());
        Optional<javax.net.ssl.SSLSocketFactory> tls = r.transport().equals("tls")
            ? Optional.of(RelayTls.socketFactory(config.relayCa())) : Optional.empty();
        relayed.attach(TurnClient.allocate(r, tls, local, up[0], up[1], RELAY_TIMEOUT, relayed));
        TurnRelayedCandidate c = new TurnRelayedCandidate(relayed, component, r);
        component.addLocalCandidate(c);
        c.getStunStack().addSocket(c.getStunSocket(null));
        return;
      } catch (IOException e) {
        if (relayed != null) {
          relayed.close();
        }
        continue; // unreachable or refused: the next one, if any
      }
    }
  }

  /** A relayed candidate's own socket; null for other candidates. */
  private static IceSocketWrapper relayedSocket(LocalCandidate c) {
    return c instanceof TurnRelayedCandidate r ? r.getCandidateIceSocketWrapper() : null;
  }

  private static String token() {
    byte[] b = new byte[12];
    new java.security.SecureRandom().nextBytes(b);
    return java.util.HexFormat.of().formatHex(b) + TOKENS.incrementAndGet();
  }

  /** Our side for the SDP: credentials and every candidate, complete. */
  public IceDescription local(NatClass nat) {
    List<IceCandidate> out = new ArrayList<>();
    for (LocalCandidate c : component.getLocalCandidates()) {
      IceCandidate.Type type = switch (c.getType()) {
        case HOST_CANDIDATE -> IceCandidate.Type.HOST;
        case SERVER_REFLEXIVE_CANDIDATE -> IceCandidate.Type.SRFLX;
        case PEER_REFLEXIVE_CANDIDATE -> IceCandidate.Type.PRFLX;
        case RELAYED_CANDIDATE -> IceCandidate.Type.RELAY;
        default -> null;
      };
      if (type == null || c.getTransport() != Transport.UDP) {
        continue;
      }
      Optional<InetSocketAddress> related = Optional.ofNullable(c.getRelatedAddress()).map(r -> (InetSocketAddress) r);
      out.add(new IceCandidate(c.getFoundation(), 1, c.getPriority(), c.getTransportAddress(), type, related));
    }
    return new IceDescription(agent.getLocalUfrag(), agent.getLocalPassword(), out, true, nat, 0);
  }

  /** Where the host candidate listens: the c=/m= default for peers that do not do ICE. */
  public InetSocketAddress hostAddress() {
    return host.getTransportAddress();
  }

  /**
   * Where the peer sees us on this pair: the c=/m= default of our SDP once ICE has chosen it
   * (RFC 8839 §4.2.5; peers such as baresip send there after a re-INVITE): the relayed address
   * on a relayed pair; on a host pair to a peer's host candidate (one network) our host address,
   * to anything else the server-reflexive address of that host (our NAT's mapping).
   */
  public InetSocketAddress defaultAddress(int pair) {
    CandidatePair p = pairs.get(pair);
    if (p == null) {
      return hostAddress();
    }
    LocalCandidate l = p.getLocalCandidate();
    if (l.getType() == CandidateType.HOST_CANDIDATE && p.getRemoteCandidate().getType() != CandidateType.HOST_CANDIDATE) {
      for (LocalCandidate c : component.getLocalCandidates()) {
        if (c.getType() == CandidateType.SERVER_REFLEXIVE_CANDIDATE && c.getBase() == l) {
          return c.getTransportAddress();
        }
      }
    }
    return l.getTransportAddress();
  }

  /** The peer's side: starts connectivity checks; {@code now} is when they start. */
  public void start(IceDescription remote, long now) {
    stream.setRemoteUfrag(remote.ufrag());
    stream.setRemotePassword(remote.pwd());
    for (IceCandidate c : remote.candidates()) {
      if (c.component() != 1) {
        continue; // RTP only: we multiplex RTCP on it
      }
      CandidateType type = switch (c.type()) {
        case HOST -> CandidateType.HOST_CANDIDATE;
        case SRFLX -> CandidateType.SERVER_REFLEXIVE_CANDIDATE;
        case PRFLX -> CandidateType.PEER_REFLEXIVE_CANDIDATE;
        case RELAY -> CandidateType.RELAYED_CANDIDATE;
      };
      TransportAddress ta = new TransportAddress(c.address().getAddress(), c.address().getPort(), Transport.UDP);
      remoteAddresses.add(c.address());
      component.addRemoteCandidate(new RemoteCandidate(ta, component, type, c.foundation(), c.priority(), null));
    }
    checksStarted = now;
    agent.startConnectivityEstablishment();
  }

  /** Controlling side: nominate this pair (ICE regular nomination). */
  public void nominate(int pair) {
    CandidatePair p = pairs.get(pair);
    if (p != null) {
      agent.nominate(p);
    }
  }

  /** Sends a datagram over a validated pair. */
  public void send(int pair, byte[] data, int offset, int length) throws IOException {
    CandidatePair p = pairs.get(pair);
    if (p == null || closed) {
      return;
    }
    @SuppressWarnings("deprecation") // the pair's own socket: the component socket is off
    IceSocketWrapper s = p.getIceSocketWrapper();
    if (s != null) {
      synchronized (out) { // one packet object for every send (RTP and RTCP come from one thread anyway)
        out.setData(data, offset, length);
        out.setSocketAddress(p.getRemoteCandidate().getTransportAddress());
        s.send(out);
      }
    }
  }

  /** A peer without ICE: its media addresses, whose datagrams come in as pair 0. */
  public void direct(InetSocketAddress rtp, InetSocketAddress rtcp) {
    directRtp = rtp;
    directRtcp = rtcp;
  }

  /** Sends a datagram from the host candidate's socket to a peer without ICE. */
  public void sendDirect(InetSocketAddress to, byte[] data, int offset, int length) throws IOException {
    if (!closed) {
      synchronized (out) {
        out.setData(data, offset, length);
        out.setSocketAddress(to);
        hostSocket.send(out);
      }
    }
  }

  private void pairChanged(PropertyChangeEvent e) {
    if (!(e.getSource() instanceof CandidatePair pair) || closed) {
      return;
    }
    if (IceMediaStream.PROPERTY_PAIR_VALIDATED.equals(e.getPropertyName())) {
      int id = ids.computeIfAbsent(pair, p -> nextId.getAndIncrement());
      pairs.put(id, pair);
      LocalCandidate l = pair.getLocalCandidate();
      LocalCandidate base = l.getBase() == null ? l : l.getBase();
      routes.computeIfAbsent(base, b -> new ConcurrentHashMap<>())
          .putIfAbsent(pair.getRemoteCandidate().getTransportAddress(), id);
      events.pairValidated(id, kind(pair), Math.max(0, System.nanoTime() - checksStarted));
    } else if (IceMediaStream.PROPERTY_PAIR_CONSENT_FRESHNESS_CHANGED.equals(e.getPropertyName())) {
      Integer id = ids.get(pair);
      if (id != null) {
        events.pairAnswered(id);
      }
    } else if (IceMediaStream.PROPERTY_PAIR_NOMINATED.equals(e.getPropertyName())) {
      Integer id = ids.get(pair);
      if (id != null) {
        events.nominatedByPeer(id);
      }
    }
  }

  private static PathKind kind(CandidatePair p) {
    boolean relayed = p.getLocalCandidate().getType() == CandidateType.RELAYED_CANDIDATE
        || p.getRemoteCandidate().getType() == CandidateType.RELAYED_CANDIDATE;
    return relayed ? PathKind.RELAY : PathKind.P2P;
  }

  /** Reads media (what ice4j's STUN layer leaves) from a local candidate's socket. */
  private void receiveOn(LocalCandidate local, IceSocketWrapper socket) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[1500];
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      while (!closed) {
        try {
          p.setData(buf, 0, buf.length);
          socket.receive(p);
        } catch (IOException e) {
          return; // socket closed: the call is over
        }
        SocketAddress from = p.getSocketAddress();
        Integer id = pairFor(local, from);
        if (id == null && local == host && (from.equals(directRtp) || from.equals(directRtcp))) {
          id = 0;
        }
        if (id == null && remoteAddresses.contains(from)) {
          id = EARLY; // the peer's pair validated on its side first (RFC 8445 §12.2: be ready for media before ICE completes)
        }
        if (id != null) {
          events.media(id, p.getData(), p.getOffset(), p.getLength());
        }
      }
    }, "pqsip-ice-rx");
    t.setDaemon(true);
    receivers.add(t);
    t.start();
  }

  /** The validated pair of this local candidate (or one based on it) with this remote address. */
  private Integer pairFor(LocalCandidate local, SocketAddress from) {
    Map<SocketAddress, Integer> byRemote = routes.get(local);
    return byRemote == null ? null : byRemote.get(from);
  }

  /**
   * Ends our TURN allocations (a Refresh with lifetime 0, sent over the host socket, which stays
   * open for the answer until {@link #close}).
   */
  public void releaseRelays() {
    for (LocalCandidate c : component.getLocalCandidates()) {
      IceSocketWrapper s = relayedSocket(c);
      if (s != null) {
        s.close(); // closing the relayed socket sends the Refresh
      }
    }
  }

  /** Frees candidates, TURN allocations and sockets; the receive threads end with them. */
  @Override
  public void close() {
    closed = true;
    agent.free();
    for (Thread t : receivers) {
      try {
        t.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Whether our relayed candidate reaches the relay over TCP or TLS (UDP to it did not work). */
  public boolean relayedOverStream() {
    return component.getLocalCandidates().stream().anyMatch(c -> c instanceof TurnRelayedCandidate t && t.overStream());
  }

  /** For tests: the local address a relayed candidate got, if any. */
  Optional<InetSocketAddress> relayedAddress() {
    return component.getLocalCandidates().stream().filter(c -> c.getType() == CandidateType.RELAYED_CANDIDATE)
        .map(c -> (InetSocketAddress) c.getTransportAddress()).findFirst();
  }
}
