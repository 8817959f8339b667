/** Sans-IO relay services: STUN Binding now, TURN allocations next. No sockets, clocks or threads. */
package org.pqsip.relay.core;
