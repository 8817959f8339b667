package org.pqsip.phone;

import java.io.PrintStream;
import java.util.Map;
import java.util.stream.Collectors;
import org.pqsip.sip.PhoneEvents;

/** Human-readable event lines, the default without {@code --json}. */
public final class TextEvents implements PhoneEvents {
  private final PrintStream out;

  public TextEvents(PrintStream out) {
    this.out = out;
  }

  @Override
  public void event(String type, Map<String, Object> fields) {
    String rest =
        fields.entrySet().stream()
            .filter(e -> e.getValue() != null)
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(" "));
    synchronized (out) {
      out.println(String.format("%-12s %s", type, rest));
      out.flush();
    }
  }
}
