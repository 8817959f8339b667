/**
 * pqkem for Jitsi-based clients (Jitsi Desktop, Jigasi, any libjitsi application) without a fork
 * of libjitsi: {@link org.pqsip.libjitsi.PqSrtpControl} is an {@code SrtpControl} that feeds the
 * keys of a pqkem offer/answer into libjitsi's own SRTP transformers and reports the SAS and
 * verification through the control's {@code SrtpListener}.
 */
@Export
@Version("0.1.0")
package org.pqsip.libjitsi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
