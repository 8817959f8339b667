package org.pqsip.srtp;

import java.util.Arrays;

/**
 * SRTP and SRTCP with AEAD_AES_256_GCM (RFC 7714), our own, in place and allocation-free per
 * packet (jitsi-srtp's GCM allocated 176 bytes per protect + unprotect on OpenSSL and 2,016 on
 * the JDK's AES, a {@code Cipher.init} per packet). Session keys and salts come from the master
 * key by the SRTP KDF ({@link SrtpKdf}); packet indices by RFC 3711's rollover estimate; a
 * 64-packet replay window per SSRC for RTP and for SRTCP.
 *
 * <ul>
 *   <li>SRTP (RFC 7714 section 8): IV = salt XOR (00 00 || SSRC || ROC || SEQ); the header
 *       (with CSRCs and extension) is the associated data, the payload is encrypted, the
 *       16-byte tag appended. We never seal twice under one index: a packet whose index was
 *       sent already (or is more than 64 behind the highest) is refused, not sent, since a
 *       repeated GCM IV under one key gives away the hash key and with it forgery.
 *   <li>SRTCP (section 9): IV = salt XOR (00 00 || SSRC || 00 00 || index); the associated data
 *       is the first 8 bytes and the trailing E-flag + 31-bit index, which follows the tag.
 *       Only encrypted SRTCP (E = 1) is sent or accepted.
 * </ul>
 *
 * <p>Per-SSRC state lives in small arrays (at most {@link SrtpStream#MAX_REMOTE_SSRCS} per session
 * key; a new incoming SSRC is kept only once a packet under it authenticates). The four session
 * keys (RTP and SRTCP, each way) share no state, so each may run on its own thread; each one is
 * single-threaded.
 */
final class GcmSrtp implements SrtpEngine {
  private final Context txRtp;
  private final Context txRtcp;
  private final Context rxRtp;
  private final Context rxRtcp;

  GcmSrtp(SrtpMasterKey tx, SrtpMasterKey rx) {
    this.txRtp = derive(tx, SrtpKdf.RTP_ENCRYPTION, SrtpKdf.RTP_SALT);
    this.txRtcp = derive(tx, SrtpKdf.RTCP_ENCRYPTION, SrtpKdf.RTCP_SALT);
    this.rxRtp = derive(rx, SrtpKdf.RTP_ENCRYPTION, SrtpKdf.RTP_SALT);
    this.rxRtcp = derive(rx, SrtpKdf.RTCP_ENCRYPTION, SrtpKdf.RTCP_SALT);
  }

  /** From session keys and salts directly, the same both ways (RFC 7714's test vectors). */
  GcmSrtp(byte[] rtpKey, byte[] rtpSalt, byte[] rtcpKey, byte[] rtcpSalt) {
    this.txRtp = new Context(rtpKey, rtpSalt);
    this.txRtcp = new Context(rtcpKey, rtcpSalt);
    this.rxRtp = new Context(rtpKey, rtpSalt);
    this.rxRtcp = new Context(rtcpKey, rtcpSalt);
  }

  private static Context derive(SrtpMasterKey k, int keyLabel, int saltLabel) {
    byte[] mk = k.key().exposeSecretBytes();
    byte[] ms = k.salt().exposeSecretBytes();
    byte[] key = SrtpKdf.derive(mk, ms, keyLabel, k.suite().keyLength());
    byte[] salt = SrtpKdf.derive(mk, ms, saltLabel, k.suite().saltLength());
    try {
      return new Context(key, salt);
    } finally {
      Arrays.fill(key, (byte) 0);
      Arrays.fill(salt, (byte) 0);
    }
  }

  @Override
  public SrtpResult protectRtp(PacketBuffer p) {
    byte[] b = p.getBuffer();
    int off = p.getOffset();
    int len = p.getLength();
    int hdr = headerLength(b, off, len);
    if (hdr < 0 || off + len + AesGcm.TAG > b.length) {
      return SrtpResult.INVALID;
    }
    Ssrc s = txRtp.state(SrtpEngine.be32(b, off + 8), true);
    if (s == null) {
      return SrtpResult.TOO_MANY_SSRCS;
    }
    int seq = ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    long index = Math.max(estimate(seq, s.seen.highest()), seq);
    if (!s.seen.check(index)) {
      return SrtpResult.REPLAYED; // sealing a second packet under one IV would give away the hash key
    }
    txRtp.iv(s.ssrc, index);
    txRtp.aead.seal(txRtp.iv, b, off, hdr, b, off + hdr, len - hdr);
    s.seen.accept(index);
    p.setLength(len + AesGcm.TAG);
    return SrtpResult.OK;
  }

  @Override
  public SrtpResult unprotectRtp(PacketBuffer p) {
    byte[] b = p.getBuffer();
    int off = p.getOffset();
    int len = p.getLength() - AesGcm.TAG;
    int hdr = headerLength(b, off, len);
    if (hdr < 0) {
      return SrtpResult.INVALID;
    }
    int ssrc = SrtpEngine.be32(b, off + 8);
    Ssrc s = rxRtp.incoming(ssrc);
    if (s == null) {
      return SrtpResult.TOO_MANY_SSRCS;
    }
    int seq = ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    long index = estimate(seq, s.seen.highest());
    if (index < 0 || !s.seen.check(index)) {
      return SrtpResult.REPLAYED;
    }
    rxRtp.iv(ssrc, index);
    if (!rxRtp.aead.open(rxRtp.iv, b, off, hdr, b, off + hdr, len - hdr)) {
      return SrtpResult.AUTH_FAILED;
    }
    s.seen.accept(index);
    rxRtp.keep(s);
    p.setLength(len);
    return SrtpResult.OK;
  }

  @Override
  public SrtpResult protectRtcp(PacketBuffer p) {
    byte[] b = p.getBuffer();
    int off = p.getOffset();
    int len = p.getLength();
    if (len < 8 || (b[off] & 0xc0) != 0x80 || off + len + AesGcm.TAG + 4 > b.length) {
      return SrtpResult.INVALID;
    }
    Ssrc s = txRtcp.state(SrtpEngine.be32(b, off + 4), true);
    if (s == null) {
      return SrtpResult.TOO_MANY_SSRCS;
    }
    int index = s.next;
    s.next = (index + 1) & 0x7fffffff;
    int trailer = 0x80000000 | index;
    txRtcp.iv(s.ssrc, index);
    txRtcp.rtcpAad(b, off, trailer);
    txRtcp.aead.seal(txRtcp.iv, txRtcp.aad, 0, txRtcp.aad.length, b, off + 8, len - 8);
    int at = off + len + AesGcm.TAG;
    b[at] = (byte) (trailer >>> 24);
    b[at + 1] = (byte) (trailer >>> 16);
    b[at + 2] = (byte) (trailer >>> 8);
    b[at + 3] = (byte) trailer;
    p.setLength(len + AesGcm.TAG + 4);
    return SrtpResult.OK;
  }

  @Override
  public SrtpResult unprotectRtcp(PacketBuffer p) {
    byte[] b = p.getBuffer();
    int off = p.getOffset();
    int len = p.getLength() - AesGcm.TAG - 4;
    if (len < 8 || (b[off] & 0xc0) != 0x80) {
      return SrtpResult.INVALID;
    }
    int trailer = SrtpEngine.be32(b, off + len + AesGcm.TAG);
    if (trailer >= 0) {
      return SrtpResult.INVALID; // E = 0: unencrypted SRTCP, which we neither send nor accept
    }
    int index = trailer & 0x7fffffff;
    int ssrc = SrtpEngine.be32(b, off + 4);
    Ssrc s = rxRtcp.incoming(ssrc);
    if (s == null) {
      return SrtpResult.TOO_MANY_SSRCS;
    }
    if (!s.seen.check(index)) {
      return SrtpResult.REPLAYED;
    }
    rxRtcp.iv(ssrc, index);
    rxRtcp.rtcpAad(b, off, trailer);
    if (!rxRtcp.aead.open(rxRtcp.iv, rxRtcp.aad, 0, rxRtcp.aad.length, b, off + 8, len - 8)) {
      return SrtpResult.AUTH_FAILED;
    }
    s.seen.accept(index);
    rxRtcp.keep(s);
    p.setLength(len);
    return SrtpResult.OK;
  }

  /**
   * The RTP header's length (12 + CSRCs + extension) if it is a version-2 header that fits in
   * {@code len} bytes, else -1.
   */
  static int headerLength(byte[] b, int off, int len) {
    if (len < 12 || (b[off] & 0xc0) != 0x80) {
      return -1;
    }
    int h = 12 + 4 * (b[off] & 0x0f);
    if ((b[off] & 0x10) != 0) {
      if (h + 4 > len) {
        return -1;
      }
      h += 4 + 4 * (((b[off + h + 2] & 0xff) << 8) | (b[off + h + 3] & 0xff));
    }
    return h <= len ? h : -1;
  }

  /**
   * RFC 3711 appendix A: the packet index for {@code seq} given the highest index so far (-1:
   * none, the first packet starts the rollover counter at 0). May be negative for a sequence
   * number from before the stream's first rollover period.
   */
  static long estimate(int seq, long highest) {
    if (highest < 0) {
      return seq;
    }
    long roc = highest >>> 16;
    int sl = (int) (highest & 0xffff);
    long v;
    if (sl < 32768) {
      v = seq - sl > 32768 ? roc - 1 : roc;
    } else {
      v = sl - 32768 > seq ? roc + 1 : roc;
    }
    return (v << 16) | seq;
  }

  @Override
  public void close() {
    txRtp.close();
    txRtcp.close();
    rxRtp.close();
    rxRtcp.close();
  }

  /** One SSRC's indices under one session key: the replay window (its highest is the index). */
  private static final class Ssrc {
    final int ssrc;
    final ReplayWindow seen = new ReplayWindow();
    int next; // SRTCP: the index of the next packet we send

    Ssrc(int ssrc) {
      this.ssrc = ssrc;
    }
  }

  /**
   * One session key (SRTP or SRTCP, one direction) with its salt, IV scratch and SSRC table.
   * RTP and RTCP have one each, so the media thread and the reports thread share nothing.
   */
  private static final class Context {
    final AesGcm aead;
    final byte[] salt;
    final byte[] iv = new byte[AesGcm.IV];
    final byte[] aad = new byte[12];
    final Ssrc[] ssrcs = new Ssrc[SrtpStream.MAX_REMOTE_SSRCS];
    int count;
    Ssrc last;
    Ssrc spare;

    Context(byte[] key, byte[] salt) {
      this.aead = new AesGcm(key);
      this.salt = salt.clone();
    }

    /** The SSRC's state; with {@code create}, made if absent (null when the table is full). */
    Ssrc state(int ssrc, boolean create) {
      if (last != null && last.ssrc == ssrc) {
        return last;
      }
      for (int i = 0; i < count; i++) {
        if (ssrcs[i].ssrc == ssrc) {
          last = ssrcs[i];
          return last;
        }
      }
      if (!create || full()) {
        return null;
      }
      Ssrc s = new Ssrc(ssrc);
      add(s);
      return s;
    }

    boolean full() {
      return count == ssrcs.length;
    }

    void add(Ssrc s) {
      ssrcs[count++] = s;
      last = s;
      if (s == spare) {
        spare = null;
      }
    }

    /**
     * An incoming SSRC's state: from the table, or else a trial state that joins the table only
     * through {@link #keep} once a packet authenticated under it (a failed trial's state serves
     * the next: during a rekey every packet under the new keys is first tried under the old
     * ones); null when the table is full.
     */
    Ssrc incoming(int ssrc) {
      Ssrc s = state(ssrc, false);
      if (s != null || full()) {
        return s;
      }
      if (spare == null || spare.ssrc != ssrc || spare.seen.highest() >= 0) {
        spare = new Ssrc(ssrc);
      }
      return spare;
    }

    /** Adds a trial state that has just authenticated a packet; a known one is left as it is. */
    void keep(Ssrc s) {
      if (s == spare) {
        add(s);
      }
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
      aad[8] = (byte) (trailer >>> 24);
      aad[9] = (byte) (trailer >>> 16);
      aad[10] = (byte) (trailer >>> 8);
      aad[11] = (byte) trailer;
    }

    void close() {
      aead.close();
      Arrays.fill(salt, (byte) 0);
      Arrays.fill(iv, (byte) 0);
      Arrays.fill(aad, (byte) 0);
    }
  }
}
