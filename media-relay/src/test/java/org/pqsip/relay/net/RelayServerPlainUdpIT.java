package org.pqsip.relay.net;

/** Every {@link RelayServerIT} test again, with UDP clients served one system call per datagram (no recvmmsg/sendmmsg). */
class RelayServerPlainUdpIT extends RelayServerIT {
  @Override
  boolean batchedUdp() {
    return false;
  }
}
