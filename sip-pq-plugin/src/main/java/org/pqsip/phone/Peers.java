package org.pqsip.phone;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import org.pqsip.keying.DeviceId;
import org.pqsip.keying.KeyingException;
import org.pqsip.keying.PeerRecord;
import org.pqsip.store.FilePeerStore;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./pq peers}: list the peer devices a phone remembers, or forget one. */
@Command(
    name = "pq peers",
    mixinStandardHelpOptions = true,
    description = "List the peer devices this phone keeps retained secrets for, or forget one.",
    sortOptions = false)
public final class Peers implements Callable<Integer> {
  @Option(names = "--user", required = true, paramLabel = "SIP-URI", description = "The phone's address-of-record.")
  String user;

  @Option(names = "--state-dir", paramLabel = "DIR", description = "The phone's state directory (default ~/.pqsip).")
  Path stateDir;

  @Option(names = "--forget", paramLabel = "DEVICE-ID", description = "Forget this device (its next call is new).")
  String forget;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Peers()).execute(args));
  }

  @Override
  public Integer call() throws IOException {
    Path dir = stateDir != null ? stateDir : Path.of(System.getProperty("user.home"), ".pqsip");
    FilePeerStore store = FilePeerStore.open(dir, user, new SecureRandom());
    if (forget != null) {
      try {
        boolean had = store.forget(DeviceId.parse(forget));
        store.close();
        System.out.println(had ? "forgot " + forget : "no such device: " + forget);
        return had ? 0 : 1;
      } catch (KeyingException e) {
        System.err.println("not a device id: " + e.getMessage());
        return 2;
      }
    }
    System.out.println("this device " + store.self().text());
    for (PeerRecord r : store.devices()) {
      org.pqsip.api.PeerInfo p = PhoneService.info(r);
      System.out.println(p.deviceId() + " " + p.trust() + r.identity().map(i -> " as " + i).orElse(""));
    }
    return 0;
  }
}
