/** Stateless TURN authentication: REST-style ephemeral credentials from a shared secret. */
package org.pqsip.relay.auth;
