package org.pqsip.srtp;

/**
 * What every SRTP suite shares (RFC 3711): the packet layouts, the per-SSRC indices (rollover
 * estimate, 64-packet replay window, SRTCP index), the rule that the sender never uses an index
 * twice, and that a new incoming SSRC is kept only after a packet under it authenticated. A suite
 * ({@link GcmSrtp}, {@link CmSrtp}) supplies only its crypto: seal and open one packet whose
 * index is settled. Four session keys (RTP and SRTCP, each way) share no state, so each may run
 * on its own thread; each one is single-threaded.
 *
 * @param <K> a suite's session keys for one of the four
 */
abstract class SrtpTransform<K extends SrtpTransform.Keys> implements AutoCloseable {
  /** One session key set with its SSRC table. */
  abstract static class Keys implements AutoCloseable {
    final SsrcTable ssrcs = new SsrcTable();

    @Override
    public abstract void close();
  }

  private final K txRtp;
  private final K txRtcp;
  private final K rxRtp;
  private final K rxRtcp;
  private final int tag;

  /** {@code tag}: bytes the suite appends to an RTP packet (SRTCP adds 4 more, E || index). */
  SrtpTransform(K txRtp, K txRtcp, K rxRtp, K rxRtcp, int tag) {
    this.txRtp = txRtp;
    this.txRtcp = txRtcp;
    this.rxRtp = rxRtp;
    this.rxRtcp = rxRtcp;
    this.tag = tag;
  }

  /** Encrypts and authenticates the RTP packet {@code b[off, off+len)}, its tag at {@code off+len}. */
  abstract void sealRtp(K k, byte[] b, int off, int hdr, int len, int ssrc, long index);

  /** Checks the tag at {@code off+len}; only if it matches, decrypts {@code b[off+hdr, off+len)}. */
  abstract boolean openRtp(K k, byte[] b, int off, int hdr, int len, int ssrc, long index);

  /** Encrypts and authenticates the RTCP packet {@code b[off, off+len)}, appending tag and E || index. */
  abstract void sealRtcp(K k, byte[] b, int off, int len, int ssrc, int index);

  /** Where E || index lies in an SRTCP packet whose RTCP part is {@code b[off, off+len)}. */
  abstract int rtcpTrailer(int off, int len);

  /** Checks an SRTCP packet's tag; only if it matches, decrypts its RTCP part. */
  abstract boolean openRtcp(K k, byte[] b, int off, int len, int ssrc, int index);

  public final SrtpResult protectRtp(PacketBuffer p) {
    byte[] b = p.getBuffer();
    int off = p.getOffset();
    int len = p.getLength();
    int hdr = SrtpPackets.headerLength(b, off, len);
    if (hdr < 0 || off + len + tag > b.length) {
      return SrtpResult.INVALID;
    }
    SsrcTable.Entry s = txRtp.ssrcs.outgoing(SrtpPackets.be32(b, off + 8));
    if (s == null) {
      return SrtpResult.TOO_MANY_SSRCS;
    }
    int seq = SrtpPackets.seq(b, off);
    long index = Math.max(SrtpPackets.estimate(seq, s.seen.highest()), seq);
    if (!s.seen.check(index)) {
      return SrtpResult.REPLAYED; // sealed already, or out of the window: never reuse a key stream
    }
    sealRtp(txRtp, b, off, hdr, len, s.ssrc, index);
    s.seen.accept(index);
    p.setLength(len + tag);
    return SrtpResult.OK;
  }

  public final SrtpResult unprotectRtp(PacketBuffer p) {
    byte[] b = p.getBuffer();
    int off = p.getOffset();
    int len = p.getLength() - tag;
    int hdr = SrtpPackets.headerLength(b, off, len);
    if (hdr < 0) {
      return SrtpResult.INVALID;
    }
    int ssrc = SrtpPackets.be32(b, off + 8);
    SsrcTable.Entry s = rxRtp.ssrcs.incoming(ssrc);
    if (s == null) {
      return SrtpResult.TOO_MANY_SSRCS;
    }
    long index = SrtpPackets.estimate(SrtpPackets.seq(b, off), s.seen.highest());
    if (index < 0 || !s.seen.check(index)) {
      return SrtpResult.REPLAYED;
    }
    if (!openRtp(rxRtp, b, off, hdr, len, ssrc, index)) {
      return SrtpResult.AUTH_FAILED;
    }
    s.seen.accept(index);
    rxRtp.ssrcs.keep(s);
    p.setLength(len);
    return SrtpResult.OK;
  }

  public final SrtpResult protectRtcp(PacketBuffer p) {
    byte[] b = p.getBuffer();
    int off = p.getOffset();
    int len = p.getLength();
    if (len < 8 || (b[off] & 0xc0) != 0x80 || off + len + tag + 4 > b.length) {
      return SrtpResult.INVALID;
    }
    SsrcTable.Entry s = txRtcp.ssrcs.outgoing(SrtpPackets.be32(b, off + 4));
    if (s == null) {
      return SrtpResult.TOO_MANY_SSRCS;
    }
    int index = s.next;
    s.next = (index + 1) & 0x7fffffff;
    sealRtcp(txRtcp, b, off, len, s.ssrc, index);
    p.setLength(len + tag + 4);
    return SrtpResult.OK;
  }

  public final SrtpResult unprotectRtcp(PacketBuffer p) {
    byte[] b = p.getBuffer();
    int off = p.getOffset();
    int len = p.getLength() - tag - 4;
    if (len < 8 || (b[off] & 0xc0) != 0x80) {
      return SrtpResult.INVALID;
    }
    int trailer = SrtpPackets.be32(b, rtcpTrailer(off, len));
    if (trailer >= 0) {
      return SrtpResult.INVALID; // E = 0: unencrypted SRTCP, which we neither send nor accept
    }
    int index = trailer & 0x7fffffff;
    int ssrc = SrtpPackets.be32(b, off + 4);
    SsrcTable.Entry s = rxRtcp.ssrcs.incoming(ssrc);
    if (s == null) {
      return SrtpResult.TOO_MANY_SSRCS;
    }
    if (!s.seen.check(index)) {
      return SrtpResult.REPLAYED;
    }
    if (!openRtcp(rxRtcp, b, off, len, ssrc, index)) {
      return SrtpResult.AUTH_FAILED;
    }
    s.seen.accept(index);
    rxRtcp.ssrcs.keep(s);
    p.setLength(len);
    return SrtpResult.OK;
  }

  @Override
  public void close() {
    txRtp.close();
    txRtcp.close();
    rxRtp.close();
    rxRtcp.close();
  }
}
