/**
 * The service a running PQ phone offers to other bundles (the admin shell, a gateway, a PBX's
 * own code): place, list, hang up and verify calls, and look after the remembered peers. Plain
 * values only; nothing here carries an address, a user name, a Call-ID or key material.
 */
@Export
@Version("0.1.0")
package org.pqsip.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
