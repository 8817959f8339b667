/**
 * ICE for calls: which path carries media ({@link org.pqsip.ice.PathPolicy}, sans-IO), the NAT
 * class each phone signals ({@link org.pqsip.ice.NatClass}), and the SDP attributes of RFC 8839.
 * The ice4j adapter that drives them lives beside them and is the only code here with sockets.
 */
package org.pqsip.ice;
