package ai.zumik.cli;

import ai.zumik.diagnostics.PromptLint;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
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

/** {@code zumik lint PROMPT.json}: the prompt-layout linter ({@link PromptLint}). */
@Command(name = "lint", mixinStandardHelpOptions = true, version = "zumik " + Cli.VERSION,
        description = {"Checks a chat completions or Responses request body (or a bare message array) for what keeps "
                + "a provider's prefix cache from reusing it: volatile values in the stable prefix, stable blocks after "
                + "volatile ones, the latest turn not last, a stable prefix below the cache minimum. Scores from 100.",
                "Exit codes: 0 no HIGH finding; 1 at least one HIGH finding; 2 usage error, unreadable file or not a request body."})
final class LintCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PROMPT", description = "the request body (JSON), '-' for standard input")
    String file;

    @Option(names = "--json", description = "print the result as JSON")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        JsonNode body;
        try {
            byte[] bytes = file.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(file));
            body = Json.parse(bytes);
        } catch (NoSuchFileException e) {
            err.println("zumik: no such file: " + file);
            return DiagnoseCommand.INPUT_ERROR;
        } catch (IOException e) {
            err.println("zumik: " + file + " is not readable JSON: " + e.getMessage().lines().findFirst().orElse(""));
            return DiagnoseCommand.INPUT_ERROR;
        }
        ObjectNode result;
        try {
            result = PromptLint.lint(body);
        } catch (PromptLint.NotAPrompt e) {
            err.println("zumik: " + file + ": " + e.getMessage());
            return DiagnoseCommand.INPUT_ERROR;
        }
        if (json) {
            out.println(Json.text(result));
        } else {
            print(result, out);
        }
        out.flush();
        return PromptLint.hasHigh(result) ? 1 : 0;
    }

    private static void print(ObjectNode r, PrintWriter out) {
        out.printf(Locale.ROOT, "Prompt layout score: %d / 100 (stable prefix ~%,d tokens)%n", r.path("score").asInt(),
                r.path("stable_prefix_tokens").asLong());
        out.println();
        out.printf(Locale.ROOT, "  %-5s %-13s %-16s %8s  %s%n", "block", "kind", "param", "tokens", "cacheable");
        for (JsonNode b : r.path("blocks")) {
            out.printf(Locale.ROOT, "  %-5d %-13s %-16s %,8d  %s%n", b.path("index").asInt(), b.path("kind").asText(),
                    b.path("param").asText(), b.path("tokens").asLong(), b.path("cacheable").asBoolean() ? "yes" : "no");
        }
        out.println();
        if (r.path("findings").isEmpty()) out.println("No findings.");
        for (JsonNode f : r.path("findings")) {
            String where = f.path("block").isNull() ? "" : " block " + f.path("block").asInt() + " (" + f.path("param").asText() + ")";
            String match = f.has("match_kind") ? " [" + f.path("match_kind").asText() + ": \"" + f.path("excerpt").asText() + "\"]" : "";
            out.printf(Locale.ROOT, "%-6s -%-2d %s%s%s%n       %s%n", f.path("severity").asText(), f.path("penalty").asInt(),
                    f.path("rule").asText(), where, match, f.path("message").asText());
        }
    }
}
