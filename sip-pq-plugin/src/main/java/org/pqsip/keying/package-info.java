/** The sans-IO pqkem keying core: offer/answer key exchange, transcript-bound key schedule, key confirmation, commit-reveal SAS, retained-secret continuity and downgrade detection. No clocks, sockets or threads. */
@Export
@Version("0.1.0")
package org.pqsip.keying;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
