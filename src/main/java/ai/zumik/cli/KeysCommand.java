package ai.zumik.cli;

import ai.zumik.config.ZumikConfig;
import ai.zumik.keys.ApiKey;
import ai.zumik.keys.ApiKeyService;
import ai.zumik.keys.Scope;
import ai.zumik.store.Database;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@code zumik keys create|list|revoke}: the operator's direct access to keys, server running or not. */
final class KeysCommand {
    private KeysCommand() {}

    static int run(String[] args, Map<String, String> env, PrintStream out) {
        if (args.length < 2) throw new Cli.UsageError("keys needs a subcommand: create, list or revoke");
        String sub = args[1];
        Cli.Parsed p = Cli.parse(args, 2, List.of("name", "scopes", "project", "data-dir"));
        ZumikConfig config = ZumikConfig.from(env, Map.of("data-dir", p.flags().getOrDefault("data-dir",
                env.getOrDefault("ZUMIK_DATA_DIR", "data"))));
        try (Database db = Database.open(config.databaseUrl(), config.dataDir(), config.usageFsync())) {
            ApiKeyService keys = new ApiKeyService(db, Clock.systemUTC());
            keys.bootstrap(null).ifPresent(first -> out.println("note: the project had no keys; created one for "
                    + "this command's project as well"));
            String project = p.flags().getOrDefault("project", keys.defaultProjectId());
            if (!keys.projectExists(project)) throw new IllegalArgumentException("no project " + project);
            return switch (sub) {
                case "create" -> create(keys, project, p, out);
                case "list" -> {
                    if (!p.positional().isEmpty()) throw new Cli.UsageError("keys list takes no arguments");
                    List<ApiKey> list = p.flags().containsKey("project") ? keys.list(project) : keys.listAll();
                    out.printf("%-30s %-30s %-8s %-22s %-24s %s%n", "ID", "PROJECT", "STATUS", "SCOPES", "KEY", "NAME");
                    for (ApiKey k : list) {
                        out.printf("%-30s %-30s %-8s %-22s %-24s %s%n", k.id(), k.projectId(),
                                k.active() ? "active" : "revoked", Scope.join(k.scopes()), k.masked(), k.name());
                    }
                    yield 0;
                }
                case "revoke" -> {
                    if (p.positional().size() != 1) throw new Cli.UsageError("keys revoke needs exactly one KEY_ID");
                    Optional<ApiKey> revoked = keys.revokeAnyProject(p.positional().getFirst());
                    if (revoked.isEmpty()) {
                        out.println("no key with id " + p.positional().getFirst());
                        yield 1;
                    }
                    out.println("revoked " + revoked.get().id() + " (" + revoked.get().masked() + ") at "
                            + Instant.ofEpochMilli(revoked.get().revokedAtMs()));
                    yield 0;
                }
                default -> throw new Cli.UsageError("unknown keys subcommand '" + sub + "'");
            };
        }
    }

    private static int create(ApiKeyService keys, String project, Cli.Parsed p, PrintStream out) {
        String name = p.flags().get("name");
        if (name == null || name.isBlank()) throw new Cli.UsageError("keys create needs --name");
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String s : p.flags().getOrDefault("scopes", "inference").split(",")) {
            try {
                scopes.add(Scope.parse(s.trim()));
            } catch (IllegalArgumentException e) {
                throw new Cli.UsageError("unknown scope '" + s.trim() + "' (inference, read, admin, platform)");
            }
        }
        if (scopes.contains(Scope.PLATFORM) && !project.equals(keys.defaultProjectId())) {
            throw new Cli.UsageError("platform keys belong to the default project only");
        }
        var created = keys.create(project, name.strip(), scopes);
        out.println("created " + created.key().id() + " in " + project + " with scopes " + Scope.join(scopes));
        out.println("key (shown once): " + created.rawKey());
        return 0;
    }
}
