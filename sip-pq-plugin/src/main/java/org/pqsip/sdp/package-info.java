/** An immutable RFC 8866 SDP model with strict parsing, and the codecs of the a=pqkem and a=crypto attributes. */
@Export
@Version("0.1.0")
package org.pqsip.sdp;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
