/**
 * STUN (RFC 8489) and TURN (RFC 8656) wire formats: sans-IO decoders and encoders with one
 * error type, {@link org.pqsip.stun.StunException}. Nothing here knows about keys.
 */
@Export
@Version("0.1.0")
package org.pqsip.stun;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
