package org.pqsip.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pqsip.crypto.Secret;
import org.pqsip.keying.PqCall;
import org.pqsip.media.Rtcp;
import org.pqsip.srtp.PacketBuffer;
import org.pqsip.srtp.RtcpReveal;
import org.pqsip.srtp.SrtpMasterKey;
import org.pqsip.srtp.SrtpResult;
import org.pqsip.srtp.SrtpStream;
import org.pqsip.srtp.SrtpSuite;

/** The gateway's per-packet step without sockets. */
class ReprotectTest {
  private static SrtpMasterKey key(int seed) {
    SrtpSuite s = SrtpSuite.AEAD_AES_256_GCM;
    byte[] k = new byte[s.keyLength()];
    byte[] salt = new byte[s.saltLength()];
    Arrays.fill(k, (byte) seed);
    Arrays.fill(salt, (byte) (seed + 1));
    return new SrtpMasterKey(s, Secret.adopt(k), Secret.adopt(salt));
  }

  @Test
  void theRevealStaysOnThePqkemLeg_theRestOfTheReportCrosses() {
    try (SrtpStream farGateway = new SrtpStream(key(1), key(2));
        SrtpStream legA = new SrtpStream(key(2), key(1));
        SrtpStream legB = new SrtpStream(key(3), key(4));
        SrtpStream lanPhone = new SrtpStream(key(4), key(3))) {
      byte[] reveal = new byte[PqCall.REVEAL_LENGTH];
      Arrays.fill(reveal, (byte) 0x33);
      byte[] b = new byte[256];
      int len = Rtcp.writeCompound(b, 0x0a0b0c0d, 1L << 32, 160, 5, 800, "cname".getBytes(), reveal);
      int withoutReveal = Rtcp.writeCompound(new byte[256], 0x0a0b0c0d, 1L << 32, 160, 5, 800, "cname".getBytes(), null);
      PacketBuffer p = new PacketBuffer().set(b, 0, len);
      assertThat(farGateway.protectRtcp(p)).isEqualTo(SrtpResult.OK);
      List<byte[]> taken = new ArrayList<>();
      assertThat(Reprotect.forward(p, legA, legB, taken::add)).isEqualTo(SrtpResult.OK);
      assertThat(taken).singleElement().isEqualTo(reveal);
      assertThat(lanPhone.unprotectRtcp(p)).isEqualTo(SrtpResult.OK);
      assertThat(p.getLength()).isEqualTo(withoutReveal);
      assertThat(RtcpReveal.find(p.getBuffer(), p.getOffset(), p.getLength(), PqCall.REVEAL_LENGTH)).isEmpty();
      assertThat(Reprotect.isRtcp(p)).isTrue();
    }
  }

  @Test
  void aPacketThatDoesNotOpenIsNotSealed() {
    try (SrtpStream legA = new SrtpStream(key(2), key(1));
        SrtpStream legB = new SrtpStream(key(3), key(4))) {
      byte[] rtp = new byte[172];
      rtp[0] = (byte) 0x80;
      rtp[11] = 9;
      PacketBuffer p = new PacketBuffer().set(rtp, 0, rtp.length);
      assertThat(Reprotect.forward(p, legA, legB)).isEqualTo(SrtpResult.AUTH_FAILED);
      assertThat(p.getLength()).as("left as it came, for the caller to drop").isEqualTo(172);
    }
  }
}
