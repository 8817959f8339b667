/**
 * SRTP/SRTCP with keys from pqkem or SDES, our own, in place and allocation-free per packet:
 * AEAD_AES_256_GCM by RFC 7714 (constant-time GHASH), the counter-mode suites by RFC 3711 and
 * RFC 6188. jitsi-srtp's contexts only for libjitsi.
 */
@Export
@Version("0.1.0")
package org.pqsip.srtp;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
