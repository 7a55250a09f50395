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
        String masterKey,
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
        HttpLimits http,
        Governance governance,
        ConfigFile file,
        Batches batches,
        boolean reuseAccounting,
        boolean allowPrivateUpstreams,
        Duration byocHeartbeatTimeout,
        double byocSaturation,
        long stateCacheMegabytes,
        Map<String, String> otel) {

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

    /**
     * What one client may hold of the HTTP front: every connection has a deadline while it waits
     * for or sends a request, and together they are capped in number and in body memory.
     *
     * @param idleTimeout a keep-alive connection with no request in progress is closed after this
     * @param headerTimeout the whole request head must arrive within this (from the first byte, or
     *     from accept on a new connection)
     * @param bodyTimeout the longest pause between two pieces of a request body
     * @param maxConnections connections open at once; past it a new one is answered 503 and closed
     * @param maxUnauthenticatedPerIp connections from one address that have not yet carried an
     *     authenticated request; past it a new one is answered 429 and closed
     * @param bodyBudgetBytes request bodies held in memory, all requests together; past it a body
     *     is refused with 503 and {@code Retry-After}
     * @param loopStallExit an event loop that runs nothing for this long makes the process exit
     *     (0: never); half of it turns {@code /healthz} red
     */
    public record HttpLimits(Duration idleTimeout, Duration headerTimeout, Duration bodyTimeout, int maxConnections,
                             int maxUnauthenticatedPerIp, long bodyBudgetBytes, Duration loopStallExit) {}

    /**
     * Governance settings from the environment (the rest is in {@code ZUMIK_CONFIG}'s {@code limits:}).
     *
     * @param globalRpm {@code ZUMIK_GLOBAL_RPM}: inference requests per minute for the whole deployment (0: none)
     * @param billing {@code ZUMIK_BILLING=on}: inference needs a positive prepaid balance
     * @param redisTimeoutMs {@code ZUMIK_REDIS_TIMEOUT_MS}: longest a limit check waits for Redis
     * @param alertWebhookUrl {@code ZUMIK_ALERT_WEBHOOK_URL}: where budget alerts are POSTed, or null
     * @param alertWebhookSecret {@code ZUMIK_ALERT_WEBHOOK_SECRET}: HMAC-SHA256 key signing them, or null
     */
    public record Governance(long globalRpm, boolean billing, int redisTimeoutMs, String alertWebhookUrl,
                             String alertWebhookSecret) {
        @Override
        public String toString() {
            return "Governance[globalRpm=" + globalRpm + ", billing=" + billing + ", webhook=" + (alertWebhookUrl != null) + "]";
        }
    }

    /**
     * Files and batches ({@code /v1/files}, {@code /v1/batches}).
     *
     * @param maxFileBytes {@code ZUMIK_FILE_MAX_BYTES}: the largest file one upload may carry (200 MiB)
     * @param projectMaxFiles {@code ZUMIK_FILES_PER_PROJECT}: uploaded files a project may keep (200)
     * @param projectMaxBytes {@code ZUMIK_FILES_PROJECT_MAX_BYTES}: bytes of uploaded files a project may
     *     keep (256 MiB)
     * @param lease {@code ZUMIK_BATCH_LEASE_MS}: how long a replica's claim on a running batch lasts
     *     without renewal (it renews every second; at least 3 s); past it another replica takes the batch over
     * @param linesInFlight {@code ZUMIK_BATCH_LINES_IN_FLIGHT}: requests of one batch running at once
     */
    public record Batches(long maxFileBytes, int projectMaxFiles, long projectMaxBytes, Duration lease,
                          int linesInFlight) {}

    /**
     * Upstream timeouts; every one of them can end an attempt.
     *
     * @param total the whole response, every attempt included (a failover gets what is left)
     * @param attempt one non-stream attempt, after which the next target is tried; null: 120 s, or
     *     300 s for models that reason (they may think for minutes before answering)
     */
    public record Timeouts(Duration connect, Duration firstByte, Duration streamIdle, Duration total, Duration attempt) {
        public static final Duration ATTEMPT = Duration.ofSeconds(120);
        public static final Duration REASONING_ATTEMPT = Duration.ofSeconds(300);

        public Timeouts(Duration connect, Duration firstByte, Duration streamIdle, Duration total) {
            this(connect, firstByte, streamIdle, total, null);
        }

        /**
         * The timeouts of one attempt that starts {@code elapsed} into its response: the total is what
         * the response has left, and a non-stream attempt ends at its own limit if that comes first.
         *
         * @param perTarget the alias release's limit for this target, or null
         */
        public Timeouts forAttempt(Duration elapsed, boolean stream, boolean reasoning, Integer perTarget) {
            Duration left = total.minus(elapsed);
            if (left.toMillis() < 1) left = Duration.ofMillis(1);
            Duration own = perTarget != null ? Duration.ofMillis(perTarget)
                    : attempt != null ? attempt : reasoning ? REASONING_ATTEMPT : ATTEMPT;
            return new Timeouts(connect, firstByte, streamIdle, left, stream || own.compareTo(left) >= 0 ? null : own);
        }
    }

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
                s.millis("ZUMIK_UPSTREAM_TOTAL_TIMEOUT_MS", 600_000),
                s.get("ZUMIK_UPSTREAM_ATTEMPT_TIMEOUT_MS", null) == null ? null : s.millis("ZUMIK_UPSTREAM_ATTEMPT_TIMEOUT_MS", 1));
        String bifrost = s.get("BIFROST_BASE_URL", null);
        return new ZumikConfig(
                s.get("ZUMIK_HOST", "127.0.0.1", "host"),
                s.integer("ZUMIK_PORT", DEFAULT_PORT, "port", 0, 65535),
                Path.of(s.get("ZUMIK_DATA_DIR", "data", "data-dir")).toAbsolutePath().normalize(),
                s.get("ZUMIK_DATABASE_URL", null),
                s.get("ZUMIK_REDIS_URL", null),
                s.get("ZUMIK_REDIS_PREFIX", "zumik"),
                s.get("ZUMIK_BOOTSTRAP_KEY", null),
                s.get("ZUMIK_MASTER_KEY", null),
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
                new HttpLimits(
                        s.millis("ZUMIK_HTTP_IDLE_TIMEOUT_MS", 120_000),
                        s.millis("ZUMIK_HTTP_HEADER_TIMEOUT_MS", 10_000),
                        s.millis("ZUMIK_HTTP_BODY_TIMEOUT_MS", 30_000),
                        s.integer("ZUMIK_MAX_CONNECTIONS", defaultMaxConnections(), null, 1, 1_000_000),
                        s.integer("ZUMIK_MAX_UNAUTHENTICATED_PER_IP", 256, null, 1, 1_000_000),
                        s.integer("ZUMIK_HTTP_BODY_BUDGET_MB", 64, null, 4, 1_048_576) * 1024L * 1024L,
                        Duration.ofMillis(s.integer("ZUMIK_LOOP_STALL_EXIT_MS", 30_000, null, 0, Integer.MAX_VALUE))),
                new Governance(
                        s.integer("ZUMIK_GLOBAL_RPM", 0, null, 0, Integer.MAX_VALUE),
                        switch (s.get("ZUMIK_BILLING", "off").toLowerCase(Locale.ROOT)) {
                            case "on", "true" -> true;
                            case "off", "false" -> false;
                            default -> throw new IllegalArgumentException("ZUMIK_BILLING must be 'on' or 'off'");
                        },
                        s.integer("ZUMIK_REDIS_TIMEOUT_MS", 100, null, 1, 60_000),
                        webhook(s.get("ZUMIK_ALERT_WEBHOOK_URL", null)),
                        s.get("ZUMIK_ALERT_WEBHOOK_SECRET", null)),
                s.get("ZUMIK_CONFIG", null) == null ? ConfigFile.EMPTY : ConfigFile.read(Path.of(s.get("ZUMIK_CONFIG", null))),
                new Batches(
                        s.longInteger("ZUMIK_FILE_MAX_BYTES", 200L * 1024 * 1024, 1, 1L << 30),
                        s.integer("ZUMIK_FILES_PER_PROJECT", 200, null, 1, 1_000_000),
                        s.longInteger("ZUMIK_FILES_PROJECT_MAX_BYTES", 256L * 1024 * 1024, 1, Long.MAX_VALUE),
                        Duration.ofMillis(s.integer("ZUMIK_BATCH_LEASE_MS", 30_000, null, 3_000, 3_600_000)),
                        s.integer("ZUMIK_BATCH_LINES_IN_FLIGHT", 4, null, 1, 64)),
                switch (s.get("ZUMIK_REUSE_ACCOUNTING", "on").toLowerCase(Locale.ROOT)) {
                    case "on" -> true;
                    case "off" -> false;
                    default -> throw new IllegalArgumentException("ZUMIK_REUSE_ACCOUNTING must be 'on' or 'off'");
                },
                switch (s.get("ZUMIK_ALLOW_PRIVATE_UPSTREAMS", "false").toLowerCase(Locale.ROOT)) {
                    case "true", "on" -> true;
                    case "false", "off" -> false;
                    default -> throw new IllegalArgumentException("ZUMIK_ALLOW_PRIVATE_UPSTREAMS must be 'true' or 'false'");
                },
                s.millis("ZUMIK_BYOC_HEARTBEAT_TIMEOUT_MS", 15_000),
                s.integer("ZUMIK_BYOC_SATURATION_PERCENT", 90, null, 1, 100) / 100.0,
                s.longInteger("ZUMIK_STATE_CACHE_MB", 64, 0, 16_384),
                otel(env));
    }

    /**
     * Half the process's file descriptors, less a reserve for the database, journal and upstream
     * pools: a proxied request holds one descriptor toward the client and one toward the upstream.
     */
    static int defaultMaxConnections() {
        long fds = java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean unix ? unix.getMaxFileDescriptorCount() : 65_536;
        return (int) Math.max(64, Math.min(100_000, (fds - 256) / 2));
    }

    private static String webhook(String url) {
        if (url == null) return null;
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            throw new IllegalArgumentException("ZUMIK_ALERT_WEBHOOK_URL must be an http(s) URL");
        }
        return url;
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
    /** The {@code OTEL_*} and {@code ZUMIK_OTEL_*} variables, read by {@code telemetry.Tracing}. */
    private static Map<String, String> otel(Map<String, String> env) {
        Map<String, String> out = new java.util.TreeMap<>();
        env.forEach((k, v) -> {
            if (k.startsWith("OTEL_") || k.startsWith("ZUMIK_OTEL_")) out.put(k, v);
        });
        return Map.copyOf(out);
    }

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

        long longInteger(String var, long fallback, long min, long max) {
            String raw = get(var, null, null);
            if (raw == null) return fallback;
            try {
                long v = Long.parseLong(raw);
                if (v < min || v > max) throw new NumberFormatException();
                return v;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(var + " must be an integer in [" + min + ", " + max + "]");
            }
        }

        Duration millis(String var, int fallbackMs) {
            return Duration.ofMillis(integer(var, fallbackMs, null, 1, Integer.MAX_VALUE));
        }
    }
}
