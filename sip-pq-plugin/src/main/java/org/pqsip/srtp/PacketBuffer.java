package org.pqsip.srtp;

import org.jitsi.utils.ByteArrayBuffer;

/**
 * A reusable packet buffer: one array, an offset and a length. Sized once with room for the SRTP
 * tag so that protecting a packet in place allocates nothing.
 */
public final class PacketBuffer implements ByteArrayBuffer {
  /** Room for any RTP packet on an Ethernet path plus SRTP/SRTCP trailers. */
  public static final int DEFAULT_CAPACITY = 1500 + 64;

  private byte[] buffer;
  private int offset;
  private int length;
  private java.nio.ByteBuffer view;

  public PacketBuffer() {
    this(DEFAULT_CAPACITY);
  }

  public PacketBuffer(int capacity) {
    this.buffer = new byte[capacity];
  }

  /** Copies {@code len} bytes of {@code src} into this buffer at offset 0. */
  public PacketBuffer set(byte[] src, int off, int len) {
    if (len > buffer.length) {
      throw new IllegalArgumentException("packet larger than buffer capacity");
    }
    System.arraycopy(src, off, buffer, 0, len);
    offset = 0;
    length = len;
    return this;
  }

  /** The packet as a ByteBuffer over the same array, made once and reused (for socket sends). */
  public java.nio.ByteBuffer byteBuffer() {
    if (view == null || view.array() != buffer) {
      view = java.nio.ByteBuffer.wrap(buffer);
    }
    view.clear().position(offset).limit(offset + length);
    return view;
  }

  public byte[] toByteArray() {
    return java.util.Arrays.copyOfRange(buffer, offset, offset + length);
  }

  public int capacity() {
    return buffer.length;
  }

  @Override
  public byte[] getBuffer() {
    return buffer;
  }

  @Override
  public int getOffset() {
    return offset;
  }

  @Override
  public int getLength() {
    return length;
  }

  @Override
  public void setLength(int len) {
    if (len < 0 || offset + len > buffer.length) {
      throw new IllegalArgumentException("length out of range");
    }
    this.length = len;
  }

  @Override
  public void setOffset(int off) {
    if (off < 0 || off + length > buffer.length) {
      throw new IllegalArgumentException("offset out of range");
    }
    this.offset = off;
  }

  @Override
  public boolean isInvalid() {
    return false;
  }

  @Override
  public void readRegionToBuff(int off, int len, byte[] out) {
    System.arraycopy(buffer, offset + off, out, 0, len);
  }

  @Override
  public void grow(int howMuch) {
    if (offset + length + howMuch > buffer.length) {
      byte[] b = new byte[offset + length + howMuch];
      System.arraycopy(buffer, 0, b, 0, offset + length);
      buffer = b; // only if a caller undersized the buffer; the default size never grows
    }
  }

  @Override
  public void append(byte[] data, int len) {
    grow(len);
    System.arraycopy(data, 0, buffer, offset + length, len);
    length += len;
  }

  @Override
  public void shrink(int len) {
    length = Math.max(0, length - len);
  }
}
