package org.pqsip.sdp;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * An SDP body (RFC 8866) as session-level lines plus media sections, preserving every line it
 * does not interpret, so a re-formatted body differs from the input only in line endings.
 *
 * <p>Why our own model and not javax.sdp from JAIN-SIP: javax.sdp is mutable, not thread-safe,
 * accepts many malformed bodies silently and reports problems with unchecked exceptions in places;
 * we need strict, bounded parsing with one checked error type, immutable values that can be
 * shared between the SIP and media threads, and exact round trips of attributes it does not know.
 */
public record SessionDescription(List<SdpLine> sessionLines, List<MediaDescription> media) {
  /** Larger bodies are refused: a PQ offer with a few m-lines is about 3 KB. */
  public static final int MAX_BYTES = 64 * 1024;

  public SessionDescription {
    sessionLines = List.copyOf(sessionLines);
    media = List.copyOf(media);
  }

  public static SessionDescription parse(String text) throws SdpException {
    if (text.length() > MAX_BYTES) {
      throw new SdpException("SDP body larger than " + MAX_BYTES + " bytes");
    }
    List<SdpLine> session = new ArrayList<>();
    List<MediaDescription> media = new ArrayList<>();
    MediaDescription current = null;
    List<SdpLine> currentLines = null;
    int lineNo = 0;
    int pos = 0;
    while (pos < text.length()) {
      int nl = text.indexOf('\n', pos);
      int end = nl < 0 ? text.length() : nl;
      String raw = text.substring(pos, end > pos && text.charAt(end - 1) == '\r' ? end - 1 : end);
      pos = end + 1;
      lineNo++;
      if (raw.isEmpty()) {
        continue; // tolerate a trailing CRLF and blank lines
      }
      SdpLine line = line(raw, lineNo);
      if (session.isEmpty() && !(line.type() == 'v' && line.value().equals("0"))) {
        throw new SdpException("SDP must start with v=0");
      }
      if (line.type() == 'm') {
        if (current != null) {
          media.add(withLines(current, currentLines));
        }
        current = mLine(line.value(), lineNo);
        currentLines = new ArrayList<>();
      } else if (current == null) {
        session.add(line);
      } else {
        currentLines.add(line);
      }
    }
    if (current != null) {
      media.add(withLines(current, currentLines));
    }
    if (session.isEmpty()) {
      throw new SdpException("SDP body is empty");
    }
    requireOne(session, 'o');
    requireOne(session, 's');
    return new SessionDescription(session, media);
  }

  private static MediaDescription withLines(MediaDescription m, List<SdpLine> lines) {
    return new MediaDescription(m.media(), m.port(), m.proto(), m.formats(), lines);
  }

  private static SdpLine line(String raw, int lineNo) throws SdpException {
    if (raw.length() < 2 || raw.charAt(1) != '=' || raw.charAt(0) < 'a' || raw.charAt(0) > 'z') {
      throw new SdpException("SDP line " + lineNo + " is not <letter>=<value>");
    }
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == 0 || c == '\r') {
        throw new SdpException("SDP line " + lineNo + " contains a control character");
      }
    }
    return new SdpLine(raw.charAt(0), raw.substring(2));
  }

  private static MediaDescription mLine(String value, int lineNo) throws SdpException {
    String[] f = value.split(" ");
    if (f.length < 4) {
      throw new SdpException("m= line " + lineNo + " needs media, port, proto and formats");
    }
    int port;
    try {
      String p = f[1].contains("/") ? f[1].substring(0, f[1].indexOf('/')) : f[1];
      port = Integer.parseInt(p);
    } catch (NumberFormatException e) {
      throw new SdpException("m= line " + lineNo + " has a bad port");
    }
    if (port < 0 || port > 65535) {
      throw new SdpException("m= line " + lineNo + " port out of range");
    }
    return new MediaDescription(
        f[0], port, f[2], List.of(f).subList(3, f.length), List.of());
  }

  private static void requireOne(List<SdpLine> lines, char type) throws SdpException {
    long n = lines.stream().filter(l -> l.type() == type).count();
    if (n != 1) {
      throw new SdpException("SDP needs exactly one " + type + "= line, found " + n);
    }
  }

  /** Session-level values of attribute {@code name}, in order. */
  public List<String> attributeValues(String name) {
    return sessionLines.stream()
        .filter(l -> l.isAttribute(name))
        .map(SdpLine::attributeValue)
        .toList();
  }

  public SessionDescription withSessionAttribute(String name, String value) {
    List<SdpLine> l = new ArrayList<>(sessionLines);
    l.add(new SdpLine('a', value.isEmpty() ? name : name + ":" + value));
    return new SessionDescription(l, media);
  }

  public SessionDescription withoutSessionLines(Predicate<SdpLine> drop) {
    return new SessionDescription(sessionLines.stream().filter(drop.negate()).toList(), media);
  }

  public SessionDescription withMedia(List<MediaDescription> m) {
    return new SessionDescription(sessionLines, m);
  }

  /** RFC 8866 text with CRLF line endings. */
  public String format() {
    StringBuilder sb = new StringBuilder(4096);
    for (SdpLine l : sessionLines) {
      sb.append(l).append("\r\n");
    }
    for (MediaDescription m : media) {
      sb.append("m=").append(m.mLine()).append("\r\n");
      for (SdpLine l : m.lines()) {
        sb.append(l).append("\r\n");
      }
    }
    return sb.toString();
  }
}
