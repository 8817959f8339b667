/** TURN allocation state (RFC 8656): sans-IO, deadline-based, gone at expiry. */
package org.pqsip.relay.alloc;
