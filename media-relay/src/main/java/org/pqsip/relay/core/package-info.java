/** Sans-IO relay services: STUN Binding, TURN control (TurnService) and the allocation-free forwarding path (DataPath). No sockets, clocks or threads. */
package org.pqsip.relay.core;
