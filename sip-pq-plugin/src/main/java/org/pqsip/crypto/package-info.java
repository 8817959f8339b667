/** Cryptographic building blocks of pqkem: ML-KEM-1024 (FIPS 203) with input checks, the X-Wing-style hybrid with X25519, HKDF-SHA-384, and the {@link org.pqsip.crypto.Secret} type. Bouncy Castle types never appear in public signatures. */
@Export
@Version("0.1.0")
package org.pqsip.crypto;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
