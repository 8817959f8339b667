/** Persistent peer knowledge for continuity and downgrade detection, per local identity. */
@Export
@Version("0.1.0")
package org.pqsip.store;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
