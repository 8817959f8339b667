/** Media security in SDP offer/answer: pqkem, SDES for legacy phones, RTP profiles, and the resulting call security state. */
@Export
@Version("0.1.0")
package org.pqsip.negotiation;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
