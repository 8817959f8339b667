package org.pqsip.shell;

import java.util.Arrays;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.pqsip.api.PqPhone;

/**
 * Gogo's view of {@link PqCommands}: a service with {@code osgi.command.scope=pq}. Gogo calls
 * {@code _main} with the command name first (it cannot map {@code sas-confirm} to a method name)
 * and prints what it returns.
 */
@Component(
    service = PqShellCommands.class,
    property = {
      "osgi.command.scope=pq",
      "osgi.command.function=status",
      "osgi.command.function=calls",
      "osgi.command.function=call",
      "osgi.command.function=hangup",
      "osgi.command.function=sas-confirm",
      "osgi.command.function=peers"
    })
public final class PqShellCommands {
  private final PqCommands commands;

  @Activate
  public PqShellCommands(@Reference PqPhone phone) {
    this.commands = new PqCommands(phone);
  }

  /** Every pq: command: {@code argv[0]} is its name. */
  public String _main(String[] argv) {
    if (argv.length == 0) {
      return "pq: no command";
    }
    return commands.run(argv[0], Arrays.asList(argv).subList(1, argv.length));
  }
}
