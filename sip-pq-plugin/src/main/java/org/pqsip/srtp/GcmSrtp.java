package org.pqsip.srtp;

import java.util.Arrays;

/**
 * SRTP and SRTCP with AEAD_AES_256_GCM (RFC 7714), in place and allocation-free per packet
 * (jitsi-srtp's GCM allocated 176 bytes per protect + unprotect on OpenSSL and 2,016 on the JDK's
 * AES, a {@code Cipher.init} per packet). Session keys and salts from the master key by the SRTP
 * KDF ({@link SrtpKdf}); indices, replay and SSRCs as every suite ({@link SrtpTransform}).
 *
 * <ul>
 *   <li>SRTP (RFC 7714 section 8): IV = salt XOR (00 00 || SSRC || ROC || SEQ); the header
 *       (with CSRCs and extension) is the associated data, the payload is encrypted, the
 *       16-byte tag appended. A repeated IV under one key would give away the hash key and with
 *       it forgery: {@link SrtpTransform} never seals two packets under one index.
 *   <li>SRTCP (section 9): IV = salt XOR (00 00 || SSRC || 00 00 || index); the associated data
 *       is the first 8 bytes and the trailing E-flag + 31-bit index, which follows the tag.
 * </ul>
 */
final class GcmSrtp extends SrtpTransform<GcmSrtp.Keys> {
  GcmSrtp(SrtpMasterKey tx, SrtpMasterKey rx) {
    super(derive(tx, SrtpKdf.RTP_ENCRYPTION, SrtpKdf.RTP_SALT), derive(tx, SrtpKdf.RTCP_ENCRYPTION, SrtpKdf.RTCP_SALT),
        derive(rx, SrtpKdf.RTP_ENCRYPTION, SrtpKdf.RTP_SALT), derive(rx, SrtpKdf.RTCP_ENCRYPTION, SrtpKdf.RTCP_SALT),
        AesGcm.TAG);
  }

  /** From session keys and salts directly, the same both ways (RFC 7714's test vectors). */
  GcmSrtp(byte[] rtpKey, byte[] rtpSalt, byte[] rtcpKey, byte[] rtcpSalt) {
    super(new Keys(rtpKey, rtpSalt), new Keys(rtcpKey, rtcpSalt), new Keys(rtpKey, rtpSalt), new Keys(rtcpKey, rtcpSalt),
        AesGcm.TAG);
  }

  private static Keys derive(SrtpMasterKey k, int keyLabel, int saltLabel) {
    byte[] key = SrtpKdf.derive(k, keyLabel, k.suite().keyLength());
    byte[] salt = SrtpKdf.derive(k, saltLabel, k.suite().saltLength());
    try {
      return new Keys(key, salt);
    } finally {
      Arrays.fill(key, (byte) 0);
      Arrays.fill(salt, (byte) 0);
    }
  }

  @Override
  void sealRtp(Keys k, byte[] b, int off, int hdr, int len, int ssrc, long index) {
    k.iv(ssrc, index);
    k.aead.seal(k.iv, b, off, hdr, b, off + hdr, len - hdr);
  }

  @Override
  boolean openRtp(Keys k, byte[] b, int off, int hdr, int len, int ssrc, long index) {
    k.iv(ssrc, index);
    return k.aead.open(k.iv, b, off, hdr, b, off + hdr, len - hdr);
  }

  @Override
  void sealRtcp(Keys k, byte[] b, int off, int len, int ssrc, int index) {
    int trailer = 0x80000000 | index;
    k.iv(ssrc, index);
    k.rtcpAad(b, off, trailer);
    k.aead.seal(k.iv, k.aad, 0, k.aad.length, b, off + 8, len - 8);
    SrtpPackets.put32(b, rtcpTrailer(off, len), trailer);
  }

  @Override
  int rtcpTrailer(int off, int len) {
    return off + len + AesGcm.TAG;
  }

  @Override
  boolean openRtcp(Keys k, byte[] b, int off, int len, int ssrc, int index) {
    k.iv(ssrc, index);
    k.rtcpAad(b, off, 0x80000000 | index);
    return k.aead.open(k.iv, k.aad, 0, k.aad.length, b, off + 8, len - 8);
  }

  /** One session key (SRTP or SRTCP, one direction) with its salt and scratch. */
  static final class Keys extends SrtpTransform.Keys {
    final AesGcm aead;
    final byte[] salt;
    final byte[] iv = new byte[AesGcm.IV];
    final byte[] aad = new byte[12];

    Keys(byte[] key, byte[] salt) {
      this.aead = new AesGcm(key);
      this.salt = salt.clone();
    }

    /** IV = salt XOR (00 00 || SSRC || {@code tail}), {@code tail} the last six bytes. */
    void iv(int ssrc, long tail) {
      iv[0] = salt[0];
      iv[1] = salt[1];
      iv[2] = (byte) (salt[2] ^ (ssrc >>> 24));
      iv[3] = (byte) (salt[3] ^ (ssrc >>> 16));
      iv[4] = (byte) (salt[4] ^ (ssrc >>> 8));
      iv[5] = (byte) (salt[5] ^ ssrc);
      for (int i = 0; i < 6; i++) {
        iv[6 + i] = (byte) (salt[6 + i] ^ (tail >>> (40 - 8 * i)));
      }
    }

    /** SRTCP's associated data: the first 8 bytes of the packet, then E || index. */
    void rtcpAad(byte[] b, int off, int trailer) {
      System.arraycopy(b, off, aad, 0, 8);
      SrtpPackets.put32(aad, 8, trailer);
    }

    @Override
    public void close() {
      aead.close();
      Arrays.fill(salt, (byte) 0);
      Arrays.fill(iv, (byte) 0);
      Arrays.fill(aad, (byte) 0);
    }
  }
}
