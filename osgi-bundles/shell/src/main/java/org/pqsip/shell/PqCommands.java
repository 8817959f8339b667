package org.pqsip.shell;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.pqsip.api.CallInfo;
import org.pqsip.api.PeerInfo;
import org.pqsip.api.PhoneStatus;
import org.pqsip.api.PqPhone;

/**
 * The {@code pq:} commands as text in, text out: what an admin types after {@code pq:} and what
 * the shell prints. Bad arguments give one line starting {@code pq:NAME:}; nothing here throws
 * for them. No I/O: {@link PqShellCommands} hands it to Gogo.
 */
public final class PqCommands {
  public static final List<String> NAMES = List.of("status", "calls", "call", "hangup", "sas-confirm", "peers");

  private final PqPhone phone;

  public PqCommands(PqPhone phone) {
    this.phone = phone;
  }

  /** Runs {@code name} with its arguments; returns what to print. */
  public String run(String name, List<String> args) {
    try {
      return switch (name) {
        case "status" -> noArgs(name, args, this::status);
        case "calls" -> noArgs(name, args, this::calls);
        case "call" -> call(args);
        case "hangup" -> onCall(name, args, phone::hangup, id -> "hung up call " + id);
        case "sas-confirm" -> onCall(name, args, phone::confirmSas,
            id -> "call " + id + ": SAS confirmed; its peer device is remembered as verified (pq:calls shows it)");
        case "peers" -> peers(args);
        default -> "pq: unknown command '" + name + "' (" + String.join(", ", NAMES) + ")";
      };
    } catch (IllegalArgumentException | IllegalStateException e) {
      return "pq:" + name + ": " + e.getMessage();
    }
  }

  private static String noArgs(String name, List<String> args, java.util.function.Supplier<String> body) {
    return args.isEmpty() ? body.get() : "pq:" + name + ": takes no arguments";
  }

  private String status() {
    PhoneStatus s = phone.status();
    return String.join("\n",
        "plugin     " + s.version(),
        "protocol   " + s.protocol(),
        "policy     " + s.policy() + (s.sdes() ? " (SDES accepted for legacy phones)" : ""),
        "sip        " + s.transport() + ", registration " + s.registration(),
        "relay      " + s.relay() + s.nat().map(n -> " (NAT: " + n + ")").orElse(""),
        "calls      " + s.activeCalls());
  }

  private String calls() {
    List<CallInfo> calls = phone.calls();
    if (calls.isEmpty()) {
      return "no calls";
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"ID", "STATE", "ROLE", "SECURITY", "KEM", "SRTP", "SAS", "VERIFICATION", "PATH"});
    for (CallInfo c : calls) {
      rows.add(new String[] {String.valueOf(c.id()), c.state(), dash(c.role()), dash(c.security()), dash(c.kem()),
          dash(c.srtp()), dash(c.sas()), dash(c.verification()), dash(c.path())});
    }
    return Table.format(rows);
  }

  private String call(List<String> args) {
    if (args.size() != 1) {
      return "pq:call: usage: pq:call sip:USER@HOST";
    }
    int id = phone.call(args.get(0));
    return "calling: call " + id + " (pq:calls shows its progress)";
  }

  private String onCall(String name, List<String> args, java.util.function.IntPredicate action,
      java.util.function.IntFunction<String> done) {
    if (args.size() > 1) {
      return "pq:" + name + ": usage: pq:" + name + " [CALL-ID] (default: the newest call)";
    }
    int id;
    if (args.isEmpty()) {
      Optional<CallInfo> newest = phone.calls().stream().max(Comparator.comparingInt(CallInfo::id));
      if (newest.isEmpty()) {
        return "pq:" + name + ": no calls";
      }
      id = newest.get().id();
    } else {
      try {
        id = Integer.parseInt(args.get(0));
      } catch (NumberFormatException e) {
        return "pq:" + name + ": not a call id: " + args.get(0) + " (pq:calls lists them)";
      }
    }
    return action.test(id) ? done.apply(id) : "pq:" + name + ": no such call: " + id;
  }

  private String peers(List<String> args) {
    if (args.size() == 2 && args.get(0).equals("forget")) {
      return phone.forget(args.get(1)) ? "forgot " + args.get(1) + ": its next call starts without continuity"
          : "pq:peers: no such device: " + args.get(1);
    }
    if (!args.isEmpty()) {
      return "pq:peers: usage: pq:peers [forget DEVICE-ID]";
    }
    List<PeerInfo> peers = phone.peers();
    if (peers.isEmpty()) {
      return "no peers remembered";
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"DEVICE", "TRUST", "VERIFIED AS"});
    for (PeerInfo p : peers) {
      rows.add(new String[] {p.deviceId(), p.trust(), dash(p.verifiedAs())});
    }
    return Table.format(rows);
  }

  private static String dash(Optional<String> v) {
    return v.orElse("-");
  }
}
