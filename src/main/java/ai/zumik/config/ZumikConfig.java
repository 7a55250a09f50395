package ai.zumik.config;

import ai.zumik.provider.ProviderId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * Everything Zumik reads from its environment, resolved once at start. Secrets live here only
 * as long as the process does and are never rendered by {@link #toString()}.
 */
public record ZumikConfig(
        String host,
        int port,
        Path dataDir,
        String databaseUrl,
        String redisUrl,
        String redisPrefix,
        String bootstrapKey,
        String bifrostBaseUrl,
        Map<ProviderId, ProviderSettings> providers,
        boolean openRouterFallbackEnabled,
        String metricsToken,
        Timeouts timeouts,
        String accessLog,
        Duration shutdownGrace,
        boolean usageFsync,
        boolean usageJournal,
        int eventLoops,
        long circuitOpenMillis,
        ConfigFile file) {

    public static final int DEFAULT_PORT = 8080;

    /**
     * Upstream endpoint and credential for one provider; {@code apiKey} may be null.
     *
     * @param zone where the provider serves managed requests ({@code us}, {@code eu}, {@code global}),
     *     checked against a project's regional policy
     */
    public record ProviderSettings(String baseUrl, boolean baseUrlOverridden, String apiKey, String zone) {
        /** A provider is configured when a key is present or a base URL points somewhere specific. */
        public boolean configured() {
            return apiKey != null || baseUrlOverridden;
        }

        @Override
        public String toString() {
            return "ProviderSettings[baseUrl=" + baseUrl + ", zone=" + zone + ", apiKey=" + (apiKey == null ? "unset" : "***") + "]";
        }
    }

    /** Upstream timeouts; every one of them can end an attempt. */
    public record Timeouts(Duration connect, Duration firstByte, Duration streamIdle, Duration total) {}

    private static final Map<ProviderId, String> DEFAULT_BASE_URLS = Map.of(
            ProviderId.OPENAI, "https://api.openai.com/v1",
            ProviderId.ANTHROPIC, "https://api.anthropic.com/v1",
            ProviderId.XAI, "https://api.x.ai/v1",
            ProviderId.GEMINI, "https://generativelanguage.googleapis.com/v1beta",
            ProviderId.FIREWORKS_AI, "https://api.fireworks.ai/inference/v1",
            ProviderId.OPENROUTER, "https://openrouter.ai/api/v1");

    /**
     * Reads the environment; {@code flags} (from the command line) win over the environment.
     *
     * @throws IllegalArgumentException naming the variable when a value is malformed
     */
    public static ZumikConfig from(Map<String, String> env, Map<String, String> flags) {
        Settings s = new Settings(env, flags);
        Map<ProviderId, ProviderSettings> providers = new EnumMap<>(ProviderId.class);
        for (ProviderId p : ProviderId.values()) {
            String base = s.get(p.envPrefix() + "_BASE_URL", null);
            providers.put(p, new ProviderSettings(
                    stripSlash(base == null ? DEFAULT_BASE_URLS.get(p) : base),
                    base != null,
                    s.get(p.envPrefix() + "_API_KEY", null),
                    zone(s, p.envPrefix() + "_REGION", p == ProviderId.OPENROUTER ? "global" : "us")));
        }
        Timeouts timeouts = new Timeouts(
                s.millis("ZUMIK_UPSTREAM_CONNECT_TIMEOUT_MS", 5_000),
                s.millis("ZUMIK_UPSTREAM_FIRST_BYTE_TIMEOUT_MS", 120_000),
                s.millis("ZUMIK_STREAM_IDLE_TIMEOUT_MS", 60_000),
                s.millis("ZUMIK_UPSTREAM_TOTAL_TIMEOUT_MS", 600_000));
        String bifrost = s.get("BIFROST_BASE_URL", null);
        return new ZumikConfig(
                s.get("ZUMIK_HOST", "127.0.0.1", "host"),
                s.integer("ZUMIK_PORT", DEFAULT_PORT, "port", 0, 65535),
                Path.of(s.get("ZUMIK_DATA_DIR", "data", "data-dir")).toAbsolutePath().normalize(),
                s.get("ZUMIK_DATABASE_URL", null),
                s.get("ZUMIK_REDIS_URL", null),
                s.get("ZUMIK_REDIS_PREFIX", "zumik"),
                s.get("ZUMIK_BOOTSTRAP_KEY", null),
                bifrost == null ? null : stripSlash(bifrost),
                Map.copyOf(providers),
                "true".equalsIgnoreCase(s.get("OPENROUTER_FALLBACK_ENABLED", "false")),
                s.get("METRICS_TOKEN", null),
                timeouts,
                s.get("ZUMIK_ACCESS_LOG", "stdout"),
                s.millis("ZUMIK_SHUTDOWN_GRACE_MS", 30_000),
                switch (s.get("ZUMIK_USAGE_SYNC", "normal").toLowerCase(Locale.ROOT)) {
                    case "normal" -> false;
                    case "full" -> true;
                    default -> throw new IllegalArgumentException("ZUMIK_USAGE_SYNC must be 'normal' or 'full'");
                },
                switch (s.get("ZUMIK_USAGE_JOURNAL", "on").toLowerCase(Locale.ROOT)) {
                    case "on" -> true;
                    case "off" -> false;
                    default -> throw new IllegalArgumentException("ZUMIK_USAGE_JOURNAL must be 'on' or 'off'");
                },
                s.integer("ZUMIK_EVENT_LOOPS", Runtime.getRuntime().availableProcessors(), null, 1, 256),
                s.millis("ZUMIK_CIRCUIT_OPEN_MS", 30_000).toMillis(),
                s.get("ZUMIK_CONFIG", null) == null ? ConfigFile.EMPTY : ConfigFile.read(Path.of(s.get("ZUMIK_CONFIG", null))));
    }

    /** Managed inference runs in the provider's zone: the US today; OpenRouter's serving zone is unknown. */
    private static String zone(Settings s, String name, String fallback) {
        String z = s.get(name, fallback).toLowerCase(Locale.ROOT);
        if (!ai.zumik.region.RegionalPolicy.ZONES.contains(z)) {
            throw new IllegalArgumentException(name + " must be 'us', 'eu' or 'global'");
        }
        return z;
    }

    public ProviderSettings provider(ProviderId id) {
        return providers.get(id);
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    @Override
    public String toString() {
        return "ZumikConfig[host=" + host + ", port=" + port + ", dataDir=" + dataDir
                + ", database=" + (databaseUrl == null ? "sqlite" : "postgresql")
                + ", redis=" + (redisUrl != null) + ", bifrost=" + (bifrostBaseUrl != null) + "]";
    }

    /** Flag-then-environment lookup with precise errors. */
    private record Settings(Map<String, String> env, Map<String, String> flags) {
        String get(String var, String fallback) {
            return get(var, fallback, null);
        }

        String get(String var, String fallback, String flag) {
            if (flag != null && flags.containsKey(flag)) return flags.get(flag);
            String v = env.get(var);
            return v == null || v.isBlank() ? fallback : v.trim();
        }

        int integer(String var, int fallback, String flag, int min, int max) {
            String raw = get(var, null, flag);
            if (raw == null) return fallback;
            try {
                int v = Integer.parseInt(raw);
                if (v < min || v > max) throw new NumberFormatException();
                return v;
            } catch (NumberFormatException e) {
                String name = flag != null && flags.containsKey(flag) ? "--" + flag : var;
                throw new IllegalArgumentException(name + " must be an integer in [" + min + ", " + max + "]");
            }
        }

        Duration millis(String var, int fallbackMs) {
            return Duration.ofMillis(integer(var, fallbackMs, null, 1, Integer.MAX_VALUE));
        }
    }
}
