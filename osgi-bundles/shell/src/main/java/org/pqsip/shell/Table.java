package org.pqsip.shell;

import java.util.List;

/** Left-aligned columns, two spaces apart, for the shell's lists. */
final class Table {
  private Table() {}

  static String format(List<String[]> rows) {
    int[] width = new int[rows.get(0).length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        line.append(r[i]);
        if (i < r.length - 1) {
          line.append(" ".repeat(width[i] - r[i].length() + 2));
        }
      }
      if (out.length() > 0) {
        out.append('\n');
      }
      out.append(line.toString().stripTrailing());
    }
    return out.toString();
  }
}
