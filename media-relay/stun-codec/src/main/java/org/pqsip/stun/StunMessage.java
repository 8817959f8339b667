package org.pqsip.stun;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A STUN message (RFC 8489): class, method, transaction id and attributes, with strict
 * decoding and an encoder that appends MESSAGE-INTEGRITY(-SHA256) and FINGERPRINT. Sans-IO:
 * bytes in, bytes out.
 */
public final class StunMessage {
  public static final int HEADER = 20;
  public static final int MAGIC_COOKIE = 0x2112A442;
  static final int FINGERPRINT_XOR = 0x5354554e;
  /** Larger messages are not STUN we will parse (a UDP datagram on an Ethernet path). */
  public static final int MAX_LENGTH = 1500;

  private final StunClass messageClass;
  private final int method;
  private final byte[] transactionId;
  private final List<StunAttribute> attributes;
  /** The encoded message as received (null for messages built here). */
  private final byte[] raw;
  /** Offset of each attribute's header within {@link #raw}. */
  private final int[] offsets;

  private StunMessage(StunClass c, int method, byte[] tid, List<StunAttribute> attrs, byte[] raw, int[] offsets) {
    this.messageClass = c;
    this.method = method;
    this.transactionId = tid;
    this.attributes = attrs;
    this.raw = raw;
    this.offsets = offsets;
  }

  public static StunMessage of(StunClass c, int method, byte[] transactionId, List<StunAttribute> attrs) {
    if (transactionId.length != 12) {
      throw new IllegalArgumentException("transaction id is 12 bytes");
    }
    return new StunMessage(c, method, transactionId.clone(), List.copyOf(attrs), null, null);
  }

  /** True when the first bytes look like STUN (top bits 00 and the magic cookie). */
  public static boolean looksLikeStun(byte[] b, int off, int len) {
    return len >= HEADER && (b[off] & 0xc0) == 0 && readInt(b, off + 4) == MAGIC_COOKIE;
  }

  public static StunMessage decode(byte[] b, int off, int len) throws StunException {
    if (len < HEADER) {
      throw new StunException("shorter than a STUN header");
    }
    if (len > MAX_LENGTH) {
      throw new StunException("longer than " + MAX_LENGTH + " bytes");
    }
    if ((b[off] & 0xc0) != 0) {
      throw new StunException("top two bits not zero");
    }
    if (readInt(b, off + 4) != MAGIC_COOKIE) {
      throw new StunException("no magic cookie");
    }
    int type = readShort(b, off);
    int bodyLength = readShort(b, off + 2);
    if ((bodyLength & 3) != 0 || HEADER + bodyLength != len) {
      throw new StunException("length field does not match the message");
    }
    byte[] raw = Arrays.copyOfRange(b, off, off + len);
    List<StunAttribute> attrs = new ArrayList<>();
    List<Integer> offsets = new ArrayList<>();
    int p = HEADER;
    boolean sawIntegrity = false;
    boolean sawFingerprint = false;
    while (p < len) {
      if (p + 4 > len) {
        throw new StunException("truncated attribute header");
      }
      int at = readShort(raw, p);
      int alen = readShort(raw, p + 2);
      int padded = (alen + 3) & ~3;
      if (p + 4 + padded > len) {
        throw new StunException("attribute runs past the end");
      }
      if (sawFingerprint) {
        throw new StunException("attribute after FINGERPRINT");
      }
      // RFC 8489 §14.5: after MESSAGE-INTEGRITY only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT count.
      boolean ignored = sawIntegrity && at != StunAttribute.FINGERPRINT && at != StunAttribute.MESSAGE_INTEGRITY_SHA256;
      if (!ignored) {
        attrs.add(new StunAttribute(at, Arrays.copyOfRange(raw, p + 4, p + 4 + alen)));
        offsets.add(p);
      }
      sawIntegrity |= at == StunAttribute.MESSAGE_INTEGRITY || at == StunAttribute.MESSAGE_INTEGRITY_SHA256;
      sawFingerprint |= at == StunAttribute.FINGERPRINT;
      p += 4 + padded;
    }
    StunMessage m =
        new StunMessage(
            StunClass.of(type), StunMethod.method(type), Arrays.copyOfRange(raw, 8, 20), List.copyOf(attrs), raw,
            offsets.stream().mapToInt(Integer::intValue).toArray());
    if (sawFingerprint && !m.fingerprintValid()) {
      throw new StunException("FINGERPRINT does not match");
    }
    return m;
  }

  public StunClass messageClass() {
    return messageClass;
  }

  public int method() {
    return method;
  }

  public byte[] transactionId() {
    return transactionId.clone();
  }

  /** Types of comprehension-required attributes not in {@code known}, for a 420 (RFC 8489 §6.3.1). */
  public List<Integer> unknownComprehensionRequired(java.util.Set<Integer> known) {
    List<Integer> unknown = new ArrayList<>();
    for (StunAttribute a : attributes) {
      if (a.comprehensionRequired() && !known.contains(a.type())) {
        unknown.add(a.type());
      }
    }
    return unknown;
  }

  public List<StunAttribute> attributes() {
    return attributes;
  }

  public Optional<StunAttribute> attribute(int type) {
    return attributes.stream().filter(a -> a.type() == type).findFirst();
  }

  private boolean fingerprintValid() {
    int i = indexOf(StunAttribute.FINGERPRINT);
    int at = offsets[i];
    byte[] value = attributes.get(i).value();
    if (value.length != 4) {
      return false;
    }
    return readInt(value, 0) == fingerprint(raw, at);
  }

  /**
   * Checks MESSAGE-INTEGRITY (HMAC-SHA1) or MESSAGE-INTEGRITY-SHA256 with the long-term key, in
   * constant time. False if neither is present.
   */
  public boolean integrityValid(byte[] key) {
    if (raw == null) {
      return false;
    }
    int i256 = indexOf(StunAttribute.MESSAGE_INTEGRITY_SHA256);
    int i1 = indexOf(StunAttribute.MESSAGE_INTEGRITY);
    int i = i256 >= 0 ? i256 : i1;
    if (i < 0) {
      return false;
    }
    boolean sha256 = i == i256;
    byte[] expected = integrity(raw, offsets[i], key, sha256);
    byte[] got = attributes.get(i).value();
    return got.length == expected.length && MessageDigest.isEqual(expected, got);
  }

  private int indexOf(int type) {
    for (int i = 0; i < attributes.size(); i++) {
      if (attributes.get(i).type() == type) {
        return i;
      }
    }
    return -1;
  }

  /** Encodes; with a key, appends MESSAGE-INTEGRITY (SHA-1 or SHA-256); then FINGERPRINT. */
  public byte[] encode(byte[] integrityKey, boolean sha256, boolean fingerprint) {
    int body = 0;
    for (StunAttribute a : attributes) {
      body += 4 + ((a.length() + 3) & ~3);
    }
    int macLen = integrityKey == null ? 0 : (sha256 ? 32 : 20);
    int total = HEADER + body + (integrityKey == null ? 0 : 4 + macLen) + (fingerprint ? 8 : 0);
    byte[] out = new byte[total];
    writeShort(out, 0, StunMethod.type(method, messageClass));
    writeInt(out, 4, MAGIC_COOKIE);
    System.arraycopy(transactionId, 0, out, 8, 12);
    int p = HEADER;
    for (StunAttribute a : attributes) {
      writeShort(out, p, a.type());
      writeShort(out, p + 2, a.length());
      System.arraycopy(a.value(), 0, out, p + 4, a.length());
      p += 4 + ((a.length() + 3) & ~3);
    }
    if (integrityKey != null) {
      writeShort(out, p, sha256 ? StunAttribute.MESSAGE_INTEGRITY_SHA256 : StunAttribute.MESSAGE_INTEGRITY);
      writeShort(out, p + 2, macLen);
      System.arraycopy(integrity(out, p, integrityKey, sha256), 0, out, p + 4, macLen);
      p += 4 + macLen;
    }
    if (fingerprint) {
      writeShort(out, p, StunAttribute.FINGERPRINT);
      writeShort(out, p + 2, 4);
      writeInt(out, p + 4, fingerprint(out, p));
      p += 8;
    }
    writeShort(out, 2, p - HEADER);
    return out;
  }

  /** HMAC over the message up to {@code at}, with the length field counting the MI attribute. */
  static byte[] integrity(byte[] msg, int at, byte[] key, boolean sha256) {
    try {
      String alg = sha256 ? "HmacSHA256" : "HmacSHA1";
      Mac mac = Mac.getInstance(alg);
      mac.init(new SecretKeySpec(key, alg));
      byte[] head = Arrays.copyOf(msg, HEADER);
      writeShort(head, 2, at - HEADER + 4 + (sha256 ? 32 : 20));
      mac.update(head);
      mac.update(msg, HEADER, at - HEADER);
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC is mandatory in Java 17", e);
    }
  }

  /** CRC-32 of the message up to {@code at} (length field counting FINGERPRINT), XOR 0x5354554e. */
  static int fingerprint(byte[] msg, int at) {
    byte[] head = Arrays.copyOf(msg, HEADER);
    writeShort(head, 2, at - HEADER + 8);
    CRC32 crc = new CRC32();
    crc.update(head, 0, HEADER);
    crc.update(msg, HEADER, at - HEADER);
    return (int) crc.getValue() ^ FINGERPRINT_XOR;
  }

  static int readShort(byte[] b, int at) {
    return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
  }

  static int readInt(byte[] b, int at) {
    return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
  }

  static void writeShort(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 8);
    b[at + 1] = (byte) v;
  }

  static void writeInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
  }
}
