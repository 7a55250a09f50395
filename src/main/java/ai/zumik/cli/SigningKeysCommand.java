package ai.zumik.cli;

import ai.zumik.config.ZumikConfig;
import ai.zumik.evidence.SigningKey;
import ai.zumik.evidence.SigningKeys;
import ai.zumik.secrets.MasterKey;
import ai.zumik.store.Database;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * {@code zumik signing-keys rotate|list}: the operator's direct access to the keys that sign
 * receipts, server running or not. A rotation made here takes effect on the server's next
 * signature; its key listing shows it within 1 s.
 */
final class SigningKeysCommand {
    private SigningKeysCommand() {}

    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.length < 2) throw new Cli.UsageError("signing-keys needs a subcommand: rotate or list");
        String sub = args[1];
        Cli.Parsed p = Cli.parse(args, 2, List.of("data-dir"));
        if (!p.positional().isEmpty()) throw new Cli.UsageError("signing-keys " + sub + " takes no arguments");
        if (!sub.equals("rotate") && !sub.equals("list")) throw new Cli.UsageError("unknown signing-keys subcommand '" + sub + "'");
        ZumikConfig config = ZumikConfig.from(env, Map.of("data-dir", p.flags().getOrDefault("data-dir",
                env.getOrDefault("ZUMIK_DATA_DIR", "data"))));
        try (Database db = Database.open(config.databaseUrl(), config.dataDir(), config.usageFsync())) {
            if (sub.equals("list")) {
                print(SigningKeys.readOnly(db, Clock.systemUTC()).list(), out);
                return 0;
            }
            MasterKey master = MasterKey.load(config.masterKey(), config.dataDir());
            if (master.fromFile() && db.dialect() == Database.Dialect.POSTGRESQL) {
                err.println("warning: ZUMIK_MASTER_KEY is unset, so the new key is sealed under " + master.source()
                        + "; replicas that do not share that key cannot sign with it");
            }
            SigningKeys keys = new SigningKeys(db, master, Clock.systemUTC());
            SigningKey fresh = keys.rotate();
            List<SigningKey> all = keys.list();
            out.println("rotated: " + fresh.kid() + " is the active signing key");
            all.stream().filter(k -> k.retiredAtMs() != null && k.retiredAtMs() == fresh.createdAtMs()).findFirst()
                    .ifPresent(old -> out.println("retired: " + old.kid() + " (still published; what it signed still verifies)"));
            return 0;
        }
    }

    private static void print(List<SigningKey> keys, PrintStream out) {
        out.printf("%-30s %-8s %-24s %-24s %s%n", "KID", "STATUS", "CREATED", "RETIRED", "X (base64url)");
        for (SigningKey k : keys) {
            out.printf("%-30s %-8s %-24s %-24s %s%n", k.kid(), k.status().wire(), Instant.ofEpochMilli(k.createdAtMs()),
                    k.retiredAtMs() == null ? "-" : Instant.ofEpochMilli(k.retiredAtMs()),
                    Base64.getUrlEncoder().withoutPadding().encodeToString(k.x()));
        }
    }
}
