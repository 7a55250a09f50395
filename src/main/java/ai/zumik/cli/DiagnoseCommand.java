package ai.zumik.cli;

import ai.zumik.diagnostics.ScoringOptions;
import ai.zumik.diagnostics.TraceLines;
import ai.zumik.diagnostics.WorkloadScorer;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code zumik diagnose TRACES.jsonl}: the Workload Reuse Score and everything behind it, scored
 * locally with the code {@code POST /v2/diagnostics} runs. {@code zumik score} is the same with
 * only the score and band printed.
 */
@Command(name = "diagnose", mixinStandardHelpOptions = true, version = "zumik " + Cli.VERSION,
        description = {"Scores a JSONL file of metadata-only trace envelopes (zumik proxy writes them): the Workload "
                + "Reuse Score, its components, the reuse waterfall with evidence levels, prefix families and the top "
                + "reuse killers. Bad lines are reported by number and skipped.",
                "Exit codes: 0 scored; 2 usage error, unreadable file, or no line could be scored."})
class DiagnoseCommand implements Callable<Integer> {
    static final int INPUT_ERROR = 2;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TRACES", description = "the trace file (JSONL), '-' for standard input")
    String file;

    @Option(names = "--json", description = "print the report object POST /v2/diagnostics returns (as 'report')")
    boolean json;

    @Option(names = "--reuse-window-ms", paramLabel = "MS", description = "how long a sent prefix stays reusable (default: ${DEFAULT-VALUE})")
    long reuseWindowMs = ScoringOptions.DEFAULT_REUSE_WINDOW_MS;

    @Option(names = "--min-prefix-tokens", paramLabel = "N", description = "the shortest prefix a provider caches (default: ${DEFAULT-VALUE})")
    long minPrefixTokens = ScoringOptions.DEFAULT_MIN_PREFIX_TOKENS;

    boolean scoreOnly() {
        return false;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ScoringOptions options;
        try {
            options = new ScoringOptions(reuseWindowMs, minPrefixTokens);
        } catch (IllegalArgumentException e) {
            err.println("zumik: " + e.getMessage());
            return INPUT_ERROR;
        }
        TraceLines lines = new TraceLines(new WorkloadScorer(options));
        try (InputStream in = file.equals("-") ? System.in : Files.newInputStream(Path.of(file))) {
            lines.read(in);
        } catch (NoSuchFileException e) {
            err.println("zumik: no such file: " + file);
            return INPUT_ERROR;
        } catch (IOException e) {
            err.println("zumik: cannot read " + file + ": " + e.getMessage());
            return INPUT_ERROR;
        }
        ObjectNode report = lines.report();
        if (lines.scored() == 0) {
            err.println("zumik: no trace could be scored in " + file + (lines.rejected() == 0 ? ": it holds no trace lines"
                    : ": all " + lines.rejected() + " lines were rejected"));
            for (JsonNode e : report.path("errors")) err.println("  line " + e.path("line").asLong() + ": " + e.path("error").asText());
            return INPUT_ERROR;
        }
        if (json) {
            out.println(Json.text(report));
        } else if (scoreOnly()) {
            out.println("WRS " + report.path("wrs").asInt() + " (" + report.path("band").asText() + ")");
        } else {
            DiagnosticText.print(report, out);
        }
        if (lines.rejected() > 0 && (json || scoreOnly())) {
            err.println("zumik: " + lines.rejected() + " lines rejected (see 'errors' in the --json report or zumik diagnose)");
        }
        out.flush();
        return 0;
    }

    /** {@code zumik score}: the score and band only. */
    @Command(name = "score", mixinStandardHelpOptions = true, version = "zumik " + Cli.VERSION,
            description = {"Prints the Workload Reuse Score and band of a JSONL trace file (zumik diagnose shows why).",
                    "Exit codes: 0 scored; 2 usage error, unreadable file, or no line could be scored."})
    static final class ScoreCommand extends DiagnoseCommand {
        @Override
        boolean scoreOnly() {
            return true;
        }
    }

    static String percent(double share) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * share);
    }
}
