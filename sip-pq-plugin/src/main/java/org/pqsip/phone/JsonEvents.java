package org.pqsip.phone;

import java.io.PrintStream;
import java.util.Map;
import org.pqsip.sip.PhoneEvents;

/** One JSON object per line on a stream: {@code {"event":"established","call":1,...}}. */
public final class JsonEvents implements PhoneEvents {
  private final PrintStream out;

  public JsonEvents(PrintStream out) {
    this.out = out;
  }

  @Override
  public void event(String type, Map<String, Object> fields) {
    StringBuilder sb = new StringBuilder(256).append("{\"event\":");
    string(sb, type);
    for (Map.Entry<String, Object> e : fields.entrySet()) {
      sb.append(',');
      string(sb, e.getKey());
      sb.append(':');
      value(sb, e.getValue());
    }
    sb.append('}');
    synchronized (out) {
      out.println(sb);
      out.flush();
    }
  }

  private static void value(StringBuilder sb, Object v) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof Number || v instanceof Boolean) {
      sb.append(v);
    } else {
      string(sb, v.toString());
    }
  }

  static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
