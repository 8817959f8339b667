/**
 * SRTP/SRTCP with keys from pqkem or SDES, in place: AEAD_AES_256_GCM on our own RFC 7714 code
 * (allocation-free, constant-time GHASH), the counter-mode suites on jitsi-srtp.
 */
@Export
@Version("0.1.0")
package org.pqsip.srtp;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
