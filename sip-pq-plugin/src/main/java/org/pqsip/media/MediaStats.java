package org.pqsip.media;

/** Counters of one media stream, as shown in the phone's {@code media} events. */
public record MediaStats(
    long packetsSent,
    long packetsReceived,
    long packetsLost,
    long authFailures,
    long replays,
    long rtcpSent,
    long rtcpReceived,
    long rtcpAuthFailures,
    long sendFailures) {}
