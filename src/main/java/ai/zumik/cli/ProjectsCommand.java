package ai.zumik.cli;

import ai.zumik.config.ZumikConfig;
import ai.zumik.keys.ApiKeyService;
import ai.zumik.keys.Project;
import ai.zumik.store.Database;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** {@code zumik projects create|list}: the operator's direct access to projects, server running or not. */
final class ProjectsCommand {
    private ProjectsCommand() {}

    static int run(String[] args, Map<String, String> env, PrintStream out) {
        if (args.length < 2) throw new Cli.UsageError("projects needs a subcommand: create or list");
        String sub = args[1];
        Cli.Parsed p = Cli.parse(args, 2, List.of("name", "data-dir"));
        if (!p.positional().isEmpty()) throw new Cli.UsageError("projects " + sub + " takes no arguments");
        ZumikConfig config = ZumikConfig.from(env, Map.of("data-dir", p.flags().getOrDefault("data-dir",
                env.getOrDefault("ZUMIK_DATA_DIR", "data"))));
        try (Database db = Database.open(config.databaseUrl(), config.dataDir(), config.usageFsync())) {
            ApiKeyService keys = new ApiKeyService(db, Clock.systemUTC());
            keys.bootstrap(null);
            return switch (sub) {
                case "create" -> {
                    String name = p.flags().get("name");
                    if (name == null || name.isBlank()) throw new Cli.UsageError("projects create needs --name");
                    if (name.strip().length() > 200) throw new Cli.UsageError("--name is at most 200 characters");
                    var created = keys.createProject(name.strip());
                    out.println("created project " + created.project().id() + " (" + created.project().name() + ")");
                    out.println("admin key " + created.adminKey().key().id() + " (shown once): " + created.adminKey().rawKey());
                    yield 0;
                }
                case "list" -> {
                    out.printf("%-30s %-10s %-10s %-16s %-24s %s%n", "ID", "RPM", "TPM", "BUDGET (USD/mo)", "CREATED", "NAME");
                    String after = null;
                    List<Project> page;
                    do {
                        page = keys.projects(after, 100);
                        for (Project pr : page) {
                            out.printf("%-30s %-10s %-10s %-16s %-24s %s%n", pr.id(), or(pr.rpmLimit()), or(pr.tpmLimit()),
                                    pr.monthlyBudgetMicros() == null ? "-" : Long.toString(pr.monthlyBudgetMicros() / 1_000_000),
                                    Instant.ofEpochMilli(pr.createdAtMs()), pr.name());
                        }
                        after = page.isEmpty() ? null : page.getLast().id();
                    } while (page.size() == 100);
                    yield 0;
                }
                default -> throw new Cli.UsageError("unknown projects subcommand '" + sub + "'");
            };
        }
    }

    private static String or(Long v) {
        return v == null ? "-" : v.toString();
    }
}
