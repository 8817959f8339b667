package org.pqsip.gateway;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import org.pqsip.api.GatewayStatus;

/**
 * {@code ./pq gateway --metrics HOST:PORT}: the gateway's aggregate counts in Prometheus text
 * format, read at scrape time. No label names a call, an address, a number or a user: there is
 * no per-call series.
 */
public final class GatewayMetrics implements AutoCloseable {
  private final HTTPServer http;

  private GatewayMetrics(HTTPServer http) {
    this.http = http;
  }

  public static GatewayMetrics serve(TrunkGateway gateway, InetSocketAddress at) throws IOException {
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmMetrics.builder().register(registry);
    GaugeWithCallback.builder().name("pqgw_calls").help("Calls being set up or bridged now")
        .callback(cb -> cb.call(gateway.status().activeCalls())).register(registry);
    GaugeWithCallback.builder().name("pqgw_media_sockets").help("Media sockets open now (RTP and RTCP per leg)")
        .callback(cb -> cb.call(gateway.mediaSockets())).register(registry);
    CounterWithCallback.builder().name("pqgw_call_outcomes").help("Calls since start, by outcome").labelNames("outcome")
        .callback(cb -> {
          GatewayStatus s = gateway.status();
          cb.call(s.placed(), "placed");
          cb.call(s.bridged(), "bridged");
          cb.call(s.refused(), "refused");
          cb.call(s.noRoute(), "no_route");
        }).register(registry);
    CounterWithCallback.builder().name("pqgw_internal_errors").help("Call events the gateway failed to handle (a bug)")
        .callback(cb -> cb.call(gateway.stats().internalErrors())).register(registry);
    HTTPServer http = HTTPServer.builder().inetAddress(at.getAddress()).port(at.getPort()).registry(registry).buildAndStart();
    return new GatewayMetrics(http);
  }

  public int port() {
    return http.getPort();
  }

  @Override
  public void close() {
    http.close();
  }
}
