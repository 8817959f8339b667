package org.pqsip.gateway;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where the trunk gateway sends a call, sans-IO: lines {@code PATTERN -> NEXT-HOP}, the first whose
 * pattern matches the request URI wins. A pattern is a SIP URI's {@code user@host} with {@code *}
 * for any run of characters ({@code sip:2*@site-b.example}: every extension starting with 2 at
 * site B); hosts match without regard to case, users exactly. The next hop is a {@code sip:} or
 * {@code sips:} URI of the far gateway or the local PBX. Blank lines and {@code #} comments are
 * skipped; a bad line is refused with its number, so a typo never routes a call somewhere else.
 */
public final class RouteTable {
  /** More than any site needs; a bound so that a broken file cannot make matching slow. */
  public static final int MAX_ROUTES = 10_000;

  /** One line: what it matches and where the call goes. */
  public record Route(String pattern, String nextHop, int line) {}

  private record Compiled(Route route, Pattern user, Pattern host) {}

  private final List<Compiled> routes;

  private RouteTable(List<Compiled> routes) {
    this.routes = List.copyOf(routes);
  }

  /** Parses route lines. @throws IllegalArgumentException naming the first bad line */
  public static RouteTable parse(List<String> lines) {
    List<Compiled> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int arrow = line.indexOf("->");
      if (arrow < 0 || line.indexOf("->", arrow + 2) >= 0) {
        throw bad(i, "needs one 'PATTERN -> NEXT-HOP'");
      }
      String pattern = line.substring(0, arrow).strip();
      String nextHop = line.substring(arrow + 2).strip();
      int index = i;
      String[] userHost = userHost(pattern).orElseThrow(() -> bad(index, "pattern must look like sip:USER@HOST (* for any)"));
      if (!(nextHop.startsWith("sip:") || nextHop.startsWith("sips:")) || nextHop.length() < 6 || nextHop.contains(" ")) {
        throw bad(i, "next hop must be a sip: or sips: URI");
      }
      if (out.size() == MAX_ROUTES) {
        throw bad(i, "more than " + MAX_ROUTES + " routes");
      }
      out.add(new Compiled(new Route(pattern, nextHop, i + 1), glob(userHost[0], false), glob(userHost[1], true)));
    }
    return new RouteTable(out);
  }

  private static IllegalArgumentException bad(int index, String why) {
    return new IllegalArgumentException("route line " + (index + 1) + ": " + why);
  }

  /** {@code [user, host]} of {@code sip:user@host[:port][;params]}, or empty. */
  private static Optional<String[]> userHost(String uri) {
    String u = uri.startsWith("sips:") ? uri.substring(5) : uri.startsWith("sip:") ? uri.substring(4) : null;
    if (u == null) {
      return Optional.empty();
    }
    int semi = u.indexOf(';');
    if (semi >= 0) {
      u = u.substring(0, semi);
    }
    int at = u.lastIndexOf('@');
    if (at <= 0 || at == u.length() - 1) {
      return Optional.empty();
    }
    String host = u.substring(at + 1);
    int colon = host.lastIndexOf(':');
    if (colon > 0 && !host.endsWith("]") && host.indexOf(':') == colon) {
      host = host.substring(0, colon); // a port: routes match hosts
    }
    return Optional.of(new String[] {u.substring(0, at), host});
  }

  private static Pattern glob(String text, boolean ignoreCase) {
    String[] parts = text.split("\\*", -1);
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        re.append(".*");
      }
      if (!parts[i].isEmpty()) {
        re.append(Pattern.quote(parts[i]));
      }
    }
    return Pattern.compile(re.toString(), ignoreCase ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0);
  }

  /** The route for a request URI, if any line matches it. */
  public Optional<Route> route(String requestUri) {
    Optional<String[]> uh = userHost(requestUri);
    if (uh.isEmpty()) {
      return Optional.empty();
    }
    String user = uh.get()[0];
    String host = uh.get()[1].toLowerCase(Locale.ROOT);
    for (Compiled c : routes) {
      if (c.user().matcher(user).matches() && c.host().matcher(host).matches()) {
        return Optional.of(c.route());
      }
    }
    return Optional.empty();
  }

  public int size() {
    return routes.size();
  }
}
