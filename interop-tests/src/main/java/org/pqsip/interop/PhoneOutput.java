package org.pqsip.interop;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reading a {@code ./pq phone --json} process's output: the fields tests assert on. */
public final class PhoneOutput {
  private PhoneOutput() {}

  /** The packetsReceived of the last {@code media} event, or -1 if there was none. */
  public static long lastPacketsReceived(String output) {
    Matcher m = Pattern.compile("\"event\":\"media\".*?\"packetsReceived\":(\\d+)").matcher(output);
    long last = -1;
    while (m.find()) {
      last = Long.parseLong(m.group(1));
    }
    return last;
  }

  /** A field ({@code packetsSent}, {@code packetsLost}, {@code mediaMs}, …) of the last {@code media} event, or -1. */
  public static double lastMedia(String output, String field) {
    String last = null;
    for (String line : output.split("\n")) {
      if (line.contains("\"event\":\"media\"")) {
        last = line;
      }
    }
    return last == null ? -1 : number(last, field);
  }

  /** The SAS in an {@code established} line, or "". */
  public static String sas(String line) {
    Matcher m = Pattern.compile("\"sas\":\"([^\"]+)\"").matcher(line);
    return m.find() ? m.group(1) : "";
  }

  /** A numeric field of a JSON event line; -1 when the line has none. */
  public static double number(String line, String field) {
    Matcher m = Pattern.compile("\"" + Pattern.quote(field) + "\":([0-9.]+)").matcher(line);
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }

  /** A text field of a JSON event line, or "?". */
  public static String text(String line, String field) {
    Matcher m = Pattern.compile("\"" + Pattern.quote(field) + "\":\"([^\"]*)\"").matcher(line);
    return m.find() ? m.group(1) : "?";
  }
}
