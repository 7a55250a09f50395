package ai.zumik.cli;

import ai.zumik.config.ZumikConfig;
import ai.zumik.credentials.MasterKeyRewrap;
import ai.zumik.secrets.MasterKey;
import ai.zumik.store.Database;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * {@code zumik master-key rewrap}: moves every secret sealed under the current master key
 * ({@code ZUMIK_MASTER_KEY}, or the data directory's generated {@code master.key}) to the one in
 * {@code ZUMIK_NEW_MASTER_KEY}, in one database transaction (see {@link MasterKeyRewrap}).
 */
final class MasterKeyCommand {
    static final String NEW_ENV = "ZUMIK_NEW_MASTER_KEY";

    private MasterKeyCommand() {}

    static String help() {
        return """
                Usage: zumik master-key rewrap [--data-dir D]

                Moves every secret Zumik keeps in its database from the current master key to a new one,
                in one transaction: the data keys of BYOK provider credentials are unwrapped and wrapped
                again (the sealed secrets themselves are not touched; their fingerprints are recomputed),
                and the receipt-signing keys and reuse fingerprint keys are opened and sealed again.
                Either everything moves or nothing does. Values already under the new key are skipped,
                so running it again is harmless.

                  ZUMIK_MASTER_KEY       the current key (unset: <data dir>/master.key)
                  ZUMIK_NEW_MASTER_KEY   the new key: base64 of 32 random bytes (openssl rand -base64 32)
                  ZUMIK_DATABASE_URL     the database (unset: SQLite in the data dir)

                Stop the servers first (they keep sealed values in memory and open them with the key they
                started with), run this, then start every replica with ZUMIK_MASTER_KEY set to the new key.
                Fingerprints (zfp_...) of provider credentials change with the key.
                """;
    }

    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.length < 2 || args[1].equals("--help") || args[1].equals("-h") || args[1].equals("help")) {
            out.print(help());
            return args.length < 2 ? 2 : 0;
        }
        if (!args[1].equals("rewrap")) throw new Cli.UsageError("unknown master-key subcommand '" + args[1] + "'");
        for (int i = 2; i < args.length; i++) {
            if (args[i].equals("--help") || args[i].equals("-h")) {
                out.print(help());
                return 0;
            }
        }
        Cli.Parsed p = Cli.parse(args, 2, List.of("data-dir"));
        if (!p.positional().isEmpty()) throw new Cli.UsageError("master-key rewrap takes no arguments");
        ZumikConfig config = ZumikConfig.from(env, Map.of("data-dir", p.flags().getOrDefault("data-dir",
                env.getOrDefault("ZUMIK_DATA_DIR", "data"))));
        String fresh = env.get(NEW_ENV);
        if (fresh == null || fresh.isBlank()) {
            err.println("zumik: " + NEW_ENV + " is not set: give the new master key there (openssl rand -base64 32)");
            return 2;
        }
        MasterKey to;
        try {
            to = MasterKey.load(fresh, config.dataDir());
        } catch (IllegalArgumentException e) {
            err.println("zumik: " + e.getMessage().replace(MasterKey.ENV, NEW_ENV));
            return 2;
        }
        if (fresh.trim().equals(config.masterKey() == null ? null : config.masterKey().trim())) {
            err.println("zumik: " + NEW_ENV + " is the same as " + MasterKey.ENV + "; nothing to do");
            return 2;
        }
        try (Database db = Database.open(config.databaseUrl(), config.dataDir(), config.usageFsync())) {
            MasterKey from = MasterKey.load(config.masterKey(), config.dataDir());
            MasterKeyRewrap.Result r;
            try {
                r = MasterKeyRewrap.run(db, from, to);
            } catch (MasterKeyRewrap.Unopenable e) {
                err.println("zumik: " + e.getMessage());
                return 1;
            }
            out.println("rewrapped under the new master key (one transaction): " + r.credentials()
                    + " provider credential data keys, " + r.signingKeys() + " signing keys, " + r.fingerprintKeys()
                    + " fingerprint keys, " + r.clusterKeys() + " BYOC cluster keys" + (r.alreadyNew() > 0 ? "; " + r.alreadyNew() + " were already under it" : ""));
            out.println("next: start every replica with ZUMIK_MASTER_KEY set to the value of " + NEW_ENV
                    + (from.fromFile() ? " (the old key file " + from.source() + " is no longer needed)" : ""));
            return 0;
        }
    }
}
