package org.pqsip.srtp;

import java.util.Arrays;

/**
 * SRTP and SRTCP with AES counter mode and HMAC-SHA1-80 (RFC 3711, AES_CM_128_HMAC_SHA1_80; RFC
 * 6188, AES_256_CM_HMAC_SHA1_80): the SDES suites of legacy phones, in place and allocation-free
 * per packet (jitsi-srtp allocated 208-240 bytes per protect + unprotect on OpenSSL and 688 on
 * the JDK's AES): the key stream from {@link AesCtr}, the MAC from {@link HmacSha1}; indices,
 * replay and SSRCs as every suite ({@link SrtpTransform}).
 *
 * <ul>
 *   <li>SRTP (RFC 3711 sections 3.3, 4.1.1): IV = salt * 2^16 XOR SSRC * 2^64 XOR index * 2^16;
 *       the payload is encrypted; the tag is the first 10 bytes of HMAC-SHA1 over the header,
 *       the encrypted payload and the 4-byte rollover counter, appended. The receiver checks the
 *       tag (constant time) before it decrypts. A repeated key stream would show the XOR of two
 *       payloads: {@link SrtpTransform} never seals two packets under one index.
 *   <li>SRTCP (section 3.4): the same IV with the 31-bit SRTCP index; everything after the first
 *       8 bytes is encrypted, then E || index (4 bytes) and the 10-byte tag over all of it.
 * </ul>
 */
final class CmSrtp extends SrtpTransform<CmSrtp.Keys> {
  static final int TAG = 10;

  CmSrtp(SrtpMasterKey tx, SrtpMasterKey rx) {
    super(derive(tx, SrtpKdf.RTP_ENCRYPTION, SrtpKdf.RTP_AUTH, SrtpKdf.RTP_SALT),
        derive(tx, SrtpKdf.RTCP_ENCRYPTION, SrtpKdf.RTCP_AUTH, SrtpKdf.RTCP_SALT),
        derive(rx, SrtpKdf.RTP_ENCRYPTION, SrtpKdf.RTP_AUTH, SrtpKdf.RTP_SALT),
        derive(rx, SrtpKdf.RTCP_ENCRYPTION, SrtpKdf.RTCP_AUTH, SrtpKdf.RTCP_SALT),
        TAG);
  }

  private static Keys derive(SrtpMasterKey k, int keyLabel, int authLabel, int saltLabel) {
    byte[] key = SrtpKdf.derive(k, keyLabel, k.suite().keyLength());
    byte[] auth = SrtpKdf.derive(k, authLabel, HmacSha1.LENGTH);
    byte[] salt = SrtpKdf.derive(k, saltLabel, k.suite().saltLength());
    try {
      return new Keys(key, auth, salt);
    } finally {
      Arrays.fill(key, (byte) 0);
      Arrays.fill(auth, (byte) 0);
      Arrays.fill(salt, (byte) 0);
    }
  }

  @Override
  void sealRtp(Keys k, byte[] b, int off, int hdr, int len, int ssrc, long index) {
    k.iv(ssrc, index);
    k.aes.xor(k.iv, b, off + hdr, len - hdr);
    k.mac(b, off, len, (int) (index >>> 16));
    System.arraycopy(k.tag, 0, b, off + len, TAG);
  }

  @Override
  boolean openRtp(Keys k, byte[] b, int off, int hdr, int len, int ssrc, long index) {
    k.mac(b, off, len, (int) (index >>> 16));
    if (!k.tagMatches(b, off + len)) {
      return false;
    }
    k.iv(ssrc, index);
    k.aes.xor(k.iv, b, off + hdr, len - hdr);
    return true;
  }

  @Override
  void sealRtcp(Keys k, byte[] b, int off, int len, int ssrc, int index) {
    k.iv(ssrc, index);
    k.aes.xor(k.iv, b, off + 8, len - 8);
    SrtpPackets.put32(b, rtcpTrailer(off, len), 0x80000000 | index);
    k.mac(b, off, len + 4);
    System.arraycopy(k.tag, 0, b, off + len + 4, TAG);
  }

  @Override
  int rtcpTrailer(int off, int len) {
    return off + len;
  }

  @Override
  boolean openRtcp(Keys k, byte[] b, int off, int len, int ssrc, int index) {
    k.mac(b, off, len + 4);
    if (!k.tagMatches(b, off + len + 4)) {
      return false;
    }
    k.iv(ssrc, index);
    k.aes.xor(k.iv, b, off + 8, len - 8);
    return true;
  }

  /** One session key set (SRTP or SRTCP, one direction): cipher, MAC, salt and scratch. */
  static final class Keys extends SrtpTransform.Keys {
    final AesCtr aes;
    final HmacSha1 hmac;
    final byte[] salt;
    final byte[] iv = new byte[16];
    final byte[] roc = new byte[4];
    final byte[] tag = new byte[HmacSha1.LENGTH];

    Keys(byte[] key, byte[] auth, byte[] salt) {
      this.aes = new AesCtr(key);
      this.hmac = new HmacSha1(auth);
      this.salt = salt.clone();
    }

    /** IV = salt || 00 00, XOR SSRC at bytes 4-7 and the 48-bit index at bytes 8-13. */
    void iv(int ssrc, long index) {
      System.arraycopy(salt, 0, iv, 0, 14);
      iv[4] ^= (byte) (ssrc >>> 24);
      iv[5] ^= (byte) (ssrc >>> 16);
      iv[6] ^= (byte) (ssrc >>> 8);
      iv[7] ^= (byte) ssrc;
      for (int i = 0; i < 6; i++) {
        iv[8 + i] ^= (byte) (index >>> (40 - 8 * i));
      }
      iv[14] = 0;
      iv[15] = 0;
    }

    /** SRTP's HMAC-SHA1: over {@code b[off, off+len)} and then the 4-byte rollover counter. */
    void mac(byte[] b, int off, int len, int rollover) {
      hmac.update(b, off, len);
      SrtpPackets.put32(roc, 0, rollover);
      hmac.update(roc, 0, 4);
      hmac.finish(tag, 0);
    }

    /** SRTCP's HMAC-SHA1: over {@code b[off, off+len)}, which ends with E || index. */
    void mac(byte[] b, int off, int len) {
      hmac.update(b, off, len);
      hmac.finish(tag, 0);
    }

    /** Whether the 10-byte tag at {@code b[at]} is the one computed last, in constant time. */
    boolean tagMatches(byte[] b, int at) {
      int diff = 0;
      for (int i = 0; i < TAG; i++) {
        diff |= tag[i] ^ b[at + i];
      }
      return diff == 0;
    }

    @Override
    public void close() {
      aes.close();
      hmac.close();
      Arrays.fill(salt, (byte) 0);
      Arrays.fill(iv, (byte) 0);
      Arrays.fill(tag, (byte) 0);
    }
  }
}
