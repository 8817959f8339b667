/**
 * The plug-ins JAIN-SIP loads by class name from its stack properties (loggers, router, TLS
 * server identity policy). Exported only because the JAIN-SIP bundle must see them (its
 * {@code DynamicImport-Package}); not an API to build on.
 */
@Export
@Version("0.1.0")
package org.pqsip.sip.stack;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
