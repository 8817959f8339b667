/** SRTP/SRTCP on jitsi-srtp with keys from pqkem or SDES; in-place, allocation-free packet transforms. */
@Export
@Version("0.1.0")
package org.pqsip.srtp;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
