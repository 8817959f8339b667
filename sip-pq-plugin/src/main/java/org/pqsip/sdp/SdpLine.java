package org.pqsip.sdp;

/** One {@code <type>=<value>} line of an SDP body. */
public record SdpLine(char type, String value) {
  public boolean isAttribute(String name) {
    return type == 'a' && (value.equals(name) || value.startsWith(name + ":"));
  }

  /** For {@code a=name:value}, the part after the first colon; "" for a flag attribute. */
  public String attributeValue() {
    int colon = value.indexOf(':');
    return colon < 0 ? "" : value.substring(colon + 1);
  }

  @Override
  public String toString() {
    return type + "=" + value;
  }
}
