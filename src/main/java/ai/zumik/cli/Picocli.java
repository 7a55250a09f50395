package ai.zumik.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import picocli.CommandLine;

/**
 * Runs one picocli subcommand ({@code proxy}, {@code diagnose}, {@code score}, {@code lint}) on the
 * streams {@link Cli#run} was given. picocli answers {@code --help} with 0 and a usage error with 2,
 * as the rest of the CLI does.
 */
final class Picocli {
    private Picocli() {}

    static int run(Object command, String[] args, PrintStream out, PrintStream err) {
        PrintWriter o = new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true);
        PrintWriter e = new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true);
        CommandLine cl = new CommandLine(command).setOut(o).setErr(e).setCaseInsensitiveEnumValuesAllowed(true);
        cl.setCommandName("zumik " + cl.getCommandName());
        int exit = cl.execute(Arrays.copyOfRange(args, 1, args.length));
        o.flush();
        e.flush();
        return exit;
    }
}
