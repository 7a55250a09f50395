package ai.zumik.cli;

import ai.zumik.Zumik;
import ai.zumik.config.ZumikConfig;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The command line: {@code serve}, {@code keys create|list|revoke}, {@code projects create|list},
 * {@code signing-keys rotate|list}, {@code master-key rewrap}, {@code verify-receipt}, {@code proxy}, {@code diagnose},
 * {@code score}, {@code lint}, {@code version}, {@code help} (proxy, diagnose, score and lint are picocli commands, see
 * {@link Picocli}).
 * Returns a process exit code: 0 success, 1 runtime failure (for verify-receipt: the document does
 * not verify), 2 usage error, 3 (verify-receipt) the document or keys could not be read.
 */
public final class Cli {
    public static final String VERSION = "0.1.0";

    private Cli() {}

    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            out.print(usage());
            return args.length == 0 ? 2 : 0;
        }
        try {
            return switch (args[0]) {
                case "serve" -> serve(parse(args, 1, List.of("host", "port", "data-dir")), env, out, err);
                case "keys" -> KeysCommand.run(args, env, out);
                case "projects" -> ProjectsCommand.run(args, env, out);
                case "signing-keys" -> SigningKeysCommand.run(args, env, out, err);
                case "master-key" -> MasterKeyCommand.run(args, env, out, err);
                case "verify-receipt" -> VerifyReceiptCommand.run(args, env, out, err);
                case "proxy" -> Picocli.run(new ProxyCommand(env), args, out, err);
                case "diagnose" -> Picocli.run(new DiagnoseCommand(), args, out, err);
                case "score" -> Picocli.run(new DiagnoseCommand.ScoreCommand(), args, out, err);
                case "lint" -> Picocli.run(new LintCommand(), args, out, err);
                case "version", "--version" -> {
                    out.println("zumik " + VERSION);
                    yield 0;
                }
                default -> throw new UsageError("unknown command '" + args[0] + "'");
            };
        } catch (UsageError e) {
            err.println("zumik: " + e.getMessage());
            err.print(usage());
            return 2;
        } catch (IllegalArgumentException e) {
            err.println("zumik: " + e.getMessage());
            return 2;
        }
    }

    private static int serve(Parsed p, Map<String, String> env, PrintStream out, PrintStream err) {
        if (!p.positional.isEmpty()) throw new UsageError("serve takes no arguments");
        ZumikConfig config = ZumikConfig.from(env, p.flags);
        Zumik zumik = Zumik.start(config);
        zumik.initialAdminKey().ifPresent(key -> {
            // Printed once, on the console only: never logged, never stored in clear.
            out.println();
            out.println("  First start: created an admin API key for the default project.");
            out.println("  It is shown only this once; store it now:");
            out.println();
            out.println("    " + key);
            out.println();
            out.flush();
        });
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // A stop must end even if something it waits for never answers: past the grace and a
            // margin for the usage meter's final commit, the process halts.
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    Thread.sleep(config.shutdownGrace().toMillis() + 20_000);
                    err.println("zumik: shutdown did not finish in time; halting");
                    Runtime.getRuntime().halt(71);
                } catch (InterruptedException ignored) {
                    // stopped in time
                }
            });
            zumik.close();
            stopped.countDown();
        }, "zumik-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    static String usage() {
        return """
                Usage: zumik <command> [options]

                Commands:
                  serve [--host H] [--port P] [--data-dir D]   run the gateway (default 127.0.0.1:8080, ./data)
                  keys create --name NAME [--scopes inference,read,admin] [--project prj_...]
                  keys list [--project prj_...]
                  keys revoke KEY_ID
                  projects create --name NAME                  a new project and its first admin key (shown once)
                  projects list
                  signing-keys rotate                          retire the active receipt-signing key, make a new one
                  signing-keys list
                  master-key rewrap                            move every sealed secret to ZUMIK_NEW_MASTER_KEY in one
                                                               transaction (see zumik master-key rewrap --help)
                  verify-receipt FILE [--keys URL|FILE]        check a signed receipt or report offline; keys from a
                                                               Zumik URL, a file holding GET /v2/signing-keys, or
                                                               (default) the database. Exit 0 valid, 1 not valid,
                                                               3 document or keys unreadable
                  proxy --upstream URL [--listen [HOST:]PORT] [--out traces.jsonl] [--fingerprint-key FILE]
                                                               OpenAI-compatible pass-through writing metadata-only traces
                  diagnose TRACES.jsonl [--json]               Workload Reuse Score, waterfall and reuse killers of a
                                                               trace file (exit 0 scored, 2 input error)
                  score TRACES.jsonl [--json]                  the score and band only
                  lint PROMPT.json [--json]                    prompt-layout lint of a request body (exit 1 on a HIGH
                                                               finding, 2 input error)
                  version

                Each of proxy, diagnose, score and lint takes --help.

                Every flag has an environment variable: ZUMIK_HOST, ZUMIK_PORT, ZUMIK_DATA_DIR.
                Keys, projects and signing-keys commands act on the database directly (ZUMIK_DATABASE_URL or
                the data dir); signing-keys rotate seals the new key under ZUMIK_MASTER_KEY (or data/master.key).
                """;
    }

    /** Flags ({@code --name value} or {@code --name=value}) and positional arguments. */
    record Parsed(Map<String, String> flags, List<String> positional) {}

    static Parsed parse(String[] args, int from, List<String> allowed) {
        Map<String, String> flags = new HashMap<>();
        List<String> positional = new ArrayList<>();
        for (int i = from; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                positional.add(a);
                continue;
            }
            String name = a.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else {
                if (i + 1 >= args.length) throw new UsageError("--" + name + " needs a value");
                value = args[++i];
            }
            if (!allowed.contains(name)) throw new UsageError("unknown option --" + name);
            flags.put(name, value);
        }
        return new Parsed(flags, positional);
    }

    static final class UsageError extends RuntimeException {
        UsageError(String message) {
            super(message);
        }
    }
}
