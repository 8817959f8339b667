/** Aggregate Prometheus metrics for the relay: counts, never identities. */
package org.pqsip.relay.metrics;
