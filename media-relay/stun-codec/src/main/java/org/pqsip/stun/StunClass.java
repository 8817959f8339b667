package org.pqsip.stun;

/** The four STUN message classes (RFC 8489 §5), encoded in bits C1 (0x0100) and C0 (0x0010). */
public enum StunClass {
  REQUEST(0x0000),
  INDICATION(0x0010),
  SUCCESS(0x0100),
  ERROR(0x0110);

  final int bits;

  StunClass(int bits) {
    this.bits = bits;
  }

  static StunClass of(int type) {
    return switch (type & 0x0110) {
      case 0x0000 -> REQUEST;
      case 0x0010 -> INDICATION;
      case 0x0100 -> SUCCESS;
      default -> ERROR;
    };
  }
}
