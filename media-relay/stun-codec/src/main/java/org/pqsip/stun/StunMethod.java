package org.pqsip.stun;

/** STUN (RFC 8489) and TURN (RFC 8656) method numbers. */
public final class StunMethod {
  public static final int BINDING = 0x001;
  public static final int ALLOCATE = 0x003;
  public static final int REFRESH = 0x004;
  public static final int SEND = 0x006;
  public static final int DATA = 0x007;
  public static final int CREATE_PERMISSION = 0x008;
  public static final int CHANNEL_BIND = 0x009;

  private StunMethod() {}

  /** Interleaves the 12 method bits around the two class bits (RFC 8489 §5). */
  static int type(int method, StunClass c) {
    return (method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2) | c.bits;
  }

  static int method(int type) {
    return (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
  }
}
