package org.pqsip.sdp;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * One media section: its {@code m=} line fields and the lines that follow it, in order.
 * Immutable; the {@code with*} methods return changed copies.
 */
public record MediaDescription(
    String media, int port, String proto, List<String> formats, List<SdpLine> lines) {

  public MediaDescription {
    formats = List.copyOf(formats);
    lines = List.copyOf(lines);
  }

  public List<String> attributeValues(String name) {
    return lines.stream().filter(l -> l.isAttribute(name)).map(SdpLine::attributeValue).toList();
  }

  public MediaDescription withProto(String p) {
    return new MediaDescription(media, port, p, formats, lines);
  }

  public MediaDescription withPort(int p) {
    return new MediaDescription(media, p, proto, formats, lines);
  }

  public MediaDescription withoutLines(Predicate<SdpLine> drop) {
    return new MediaDescription(
        media, port, proto, formats, lines.stream().filter(drop.negate()).toList());
  }

  public MediaDescription withAttribute(String name, String value) {
    List<SdpLine> l = new ArrayList<>(lines);
    l.add(new SdpLine('a', value.isEmpty() ? name : name + ":" + value));
    return new MediaDescription(media, port, proto, formats, l);
  }

  String mLine() {
    return media + " " + port + " " + proto + " " + String.join(" ", formats);
  }
}
