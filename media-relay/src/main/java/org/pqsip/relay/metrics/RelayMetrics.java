package org.pqsip.relay.metrics;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.function.IntSupplier;
import java.util.function.ToLongFunction;
import org.pqsip.relay.core.RelayCounters;
import org.pqsip.relay.net.RelayServer;

/**
 * {@code --metrics HOST:PORT}: aggregate counters in Prometheus text format, summed over event
 * loops at scrape time. Labels are only a direction or an error code: never an address, a port,
 * a username or anything that could tie two packets to one call.
 */
public final class RelayMetrics implements AutoCloseable {
  private final HTTPServer http;

  private RelayMetrics(HTTPServer http) {
    this.http = http;
  }

  public static RelayMetrics serve(RelayServer relay, InetSocketAddress at) throws IOException {
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmMetrics.builder().register(registry); // process_open_fds, process_resident_memory_bytes, jvm_memory_*, jvm_gc_*
    IntSupplier active = relay::activeAllocations;
    GaugeWithCallback.builder().name("pqrelay_allocations").help("Allocations alive now")
        .callback(cb -> cb.call(active.getAsInt())).register(registry);
    IntSupplier buffer = relay::udpReceiveBuffer;
    GaugeWithCallback.builder().name("pqrelay_udp_receive_buffer_bytes")
        .help("Receive buffer the kernel granted the UDP listening sockets (less than --udp-buffer: raise net.core.rmem_max)")
        .callback(cb -> cb.call(buffer.getAsInt())).register(registry);
    CounterWithCallback.builder().name("pqrelay_forwarded_packets").help("Packets forwarded").labelNames("direction")
        .callback(cb -> {
          cb.call(sum(relay, c -> c.get(RelayCounters.TO_PEER_PACKETS)), "to_peer");
          cb.call(sum(relay, c -> c.get(RelayCounters.TO_CLIENT_PACKETS)), "to_client");
        }).register(registry);
    CounterWithCallback.builder().name("pqrelay_forwarded_bytes").help("Payload bytes forwarded").labelNames("direction")
        .callback(cb -> {
          cb.call(sum(relay, c -> c.get(RelayCounters.TO_PEER_BYTES)), "to_peer");
          cb.call(sum(relay, c -> c.get(RelayCounters.TO_CLIENT_BYTES)), "to_client");
        }).register(registry);
    CounterWithCallback.builder().name("pqrelay_dropped_packets").help("Packets dropped (no permission, no channel, truncated, unreachable)")
        .callback(cb -> cb.call(sum(relay, c -> c.get(RelayCounters.DROPPED)))).register(registry);
    CounterWithCallback.builder().name("pqrelay_internal_errors").help("Events the relay failed to handle through its own fault (a bug, never network loss)")
        .callback(cb -> cb.call(sum(relay, c -> c.get(RelayCounters.INTERNAL_ERRORS)))).register(registry);
    CounterWithCallback.builder().name("pqrelay_rate_limited_requests").help("Unauthenticated requests dropped by the per-source rate limit")
        .callback(cb -> cb.call(sum(relay, c -> c.get(RelayCounters.RATE_LIMITED)))).register(registry);
    GaugeWithCallback.builder().name("pqrelay_connections").help("TCP and TLS client connections open now")
        .callback(cb -> cb.call(relay.openConnections())).register(registry);
    CounterWithCallback.builder().name("pqrelay_refused_connections")
        .help("TCP and TLS connections closed at accept (over the per-source rate, the per-source share or the loop's budget)")
        .callback(cb -> cb.call(sum(relay, c -> c.get(RelayCounters.CONNECTIONS_REFUSED)))).register(registry);
    CounterWithCallback.builder().name("pqrelay_error_responses").help("STUN/TURN error responses sent, by code").labelNames("code")
        .callback(cb -> {
          for (int code : RelayCounters.ERROR_CODES) {
            cb.call(sum(relay, c -> c.errors(code)), Integer.toString(code));
          }
        }).register(registry);
    HTTPServer http = HTTPServer.builder().inetAddress(at.getAddress()).port(at.getPort()).registry(registry).buildAndStart();
    return new RelayMetrics(http);
  }

  private static double sum(RelayServer relay, ToLongFunction<RelayCounters> f) {
    long n = 0;
    for (RelayCounters c : relay.counters()) {
      n += f.applyAsLong(c);
    }
    return n;
  }

  public int port() {
    return http.getPort();
  }

  @Override
  public void close() {
    http.close();
  }
}
