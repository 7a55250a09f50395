package ai.zumik;

import ai.zumik.alias.AliasRegistry;
import ai.zumik.audit.AuditLog;
import ai.zumik.billing.AlertWebhook;
import ai.zumik.byoc.Activations;
import ai.zumik.byoc.ClusterDirectory;
import ai.zumik.byoc.ClusterRegistry;
import ai.zumik.evidence.KeyRing;
import ai.zumik.evidence.Verifier;
import ai.zumik.v2.ByocClustersHandler;
import ai.zumik.billing.Billing;
import ai.zumik.broker.BackgroundBrokers;
import ai.zumik.broker.BrokerServices;
import ai.zumik.broker.CancelBus;
import ai.zumik.broker.CircuitBreakers;
import ai.zumik.broker.RedisCircuits;
import ai.zumik.region.RegionalPolicies;
import ai.zumik.v2.RegionalPolicyHandler;
import ai.zumik.broker.Cooldowns;
import ai.zumik.broker.ExecutionBroker;
import ai.zumik.broker.InFlight;
import ai.zumik.broker.RetryBudget;
import ai.zumik.broker.RoutePlanner;
import ai.zumik.broker.Targets;
import ai.zumik.config.ConfigFile;
import ai.zumik.credentials.ByokRouting;
import ai.zumik.credentials.ExecutionPolicies;
import ai.zumik.credentials.ProviderCredentials;
import ai.zumik.v2.ExecutionPolicyHandler;
import ai.zumik.v2.ProviderCredentialsHandler;
import ai.zumik.catalog.ModelCatalog;
import ai.zumik.config.ZumikConfig;
import ai.zumik.evidence.Signer;
import ai.zumik.evidence.SigningKeys;
import ai.zumik.http.BodyBudget;
import ai.zumik.http.Connections;
import ai.zumik.http.HttpFront;
import ai.zumik.http.LoopWatchdog;
import ai.zumik.limits.Counters;
import ai.zumik.limits.Governor;
import ai.zumik.limits.LimitDefaults;
import ai.zumik.limits.LocalCounters;
import ai.zumik.limits.RedisCounters;
import ai.zumik.limits.TokenEstimator;
import ai.zumik.pricing.PriceTable;
import ai.zumik.http.OpsEndpoints;
import ai.zumik.console.ConsoleAssets;
import ai.zumik.metering.UsageAnalytics;
import ai.zumik.v2.AnalyticsHandler;
import ai.zumik.v2.ProviderHealthHandler;
import ai.zumik.v2.ResponseSearchHandler;
import ai.zumik.http.Route;
import ai.zumik.http.Routes;
import ai.zumik.http.Telemetry;
import ai.zumik.http.UpstreamUrls;
import ai.zumik.keys.ApiKeyService;
import ai.zumik.keys.Scope;
import ai.zumik.metering.UsageMeter;
import ai.zumik.metering.UsageQueries;
import ai.zumik.provider.SafeMessage;
import ai.zumik.provider.Transport;
import ai.zumik.qos.AdmissionController;
import ai.zumik.qos.AgentHints;
import ai.zumik.secrets.MasterKey;
import ai.zumik.surface.Idempotency;
import ai.zumik.surface.InferenceFront;
import ai.zumik.reuse.FingerprintKeys;
import ai.zumik.reuse.ReuseLedger;
import ai.zumik.store.Database;
import ai.zumik.telemetry.AccessLog;
import ai.zumik.telemetry.Metrics;
import ai.zumik.telemetry.Tracing;
import ai.zumik.v1.ChatCompletionsHandler;
import ai.zumik.v1.EmbeddingsHandler;
import ai.zumik.v1.ModelsHandler;
import ai.zumik.v1.batches.BatchRunner;
import ai.zumik.v1.batches.BatchesHandler;
import ai.zumik.v1.files.FileStore;
import ai.zumik.v1.files.FilesHandler;
import ai.zumik.v1.responses.ResponsesApiHandler;
import ai.zumik.state.ArtifactStore;
import ai.zumik.state.SessionStore;
import ai.zumik.state.SnapshotCompiler;
import ai.zumik.state.StateCache;
import ai.zumik.v2.ArtifactsHandler;
import ai.zumik.v2.SessionsHandler;
import ai.zumik.v2.PurgeJobsHandler;
import ai.zumik.v2.FingerprintKeysHandler;
import ai.zumik.v2.ReplayRunsHandler;
import ai.zumik.replay.ReplayRunner;
import ai.zumik.replay.ReplayRuns;
import ai.zumik.replay.ReplayStore;
import ai.zumik.metering.UsageTraffic;
import ai.zumik.v2.DiagnosticsHandler;
import ai.zumik.diagnostics.Diagnostics;
import ai.zumik.evidence.PurgeJobs;
import ai.zumik.v2.AgentHintsHandler;
import ai.zumik.v2.ApiKeysHandler;
import ai.zumik.v2.BillingHandler;
import ai.zumik.v2.ProjectsHandler;
import ai.zumik.v2.AuditEventsHandler;
import ai.zumik.v2.ModelAliasesHandler;
import ai.zumik.v2.ResponsesHandler;
import ai.zumik.v2.SigningKeysHandler;
import ai.zumik.v2.UsageHandler;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: the only place that builds and wires components. Shared services (store,
 * keys, meter, catalogue, telemetry) are built once; the per-event-loop parts (transport, targets,
 * broker, handlers, routes) are built inside each {@link HttpFront} so a request never leaves its
 * event loop.
 */
public final class Zumik implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Zumik.class);
    /** How often stored spend is compared with monthly budgets for the 50/80/100 % alerts. */
    static final long ALERT_CHECK_MS = 2_000;
    /** How long a replica's claim on a replay run lasts without renewal (renewed every second). */
    static final java.time.Duration REPLAY_LEASE = java.time.Duration.ofSeconds(10);

    private final ZumikConfig config;
    private final Vertx vertx;
    private final Database database;
    private final ApiKeyService keys;
    private final UsageMeter meter;
    private final AccessLog accessLog;
    private final ExecutorService blocking;
    private final List<HttpFront> fronts;
    private final AtomicInteger inFlight;
    private final InFlight inFlightResponses;
    private final BatchRunner batches;
    private final SigningKeys signingKeys;
    private final Signer signer;
    private final List<AutoCloseable> helpers;
    private final int port;
    private final String initialAdminKey;
    private final ClusterDirectory clusterDirectory;
    private boolean closed;

    private Zumik(ZumikConfig config, Vertx vertx, Database database, ApiKeyService keys, UsageMeter meter,
                  AccessLog accessLog, ExecutorService blocking, List<HttpFront> fronts, AtomicInteger inFlight,
                  InFlight inFlightResponses, BatchRunner batches, SigningKeys signingKeys, Signer signer,
                  List<AutoCloseable> helpers, int port, String initialAdminKey, ClusterDirectory clusterDirectory) {
        this.config = config;
        this.vertx = vertx;
        this.database = database;
        this.keys = keys;
        this.meter = meter;
        this.accessLog = accessLog;
        this.blocking = blocking;
        this.fronts = fronts;
        this.inFlight = inFlight;
        this.inFlightResponses = inFlightResponses;
        this.batches = batches;
        this.signingKeys = signingKeys;
        this.signer = signer;
        this.helpers = helpers;
        this.port = port;
        this.initialAdminKey = initialAdminKey;
        this.clusterDirectory = clusterDirectory;
    }

    /** Starts Zumik; a fatal fault (a dead or wedged event loop, an Error) ends the process with status 70. */
    public static Zumik start(ZumikConfig config) {
        return start(config, () -> Runtime.getRuntime().halt(70));
    }

    /**
     * Starts Zumik with {@code fatalExit} as what ends the process on a fatal fault (tests pass one
     * that records the call).
     */
    public static Zumik start(ZumikConfig config, Runnable fatalExit) {
        List<AutoCloseable> opened = new ArrayList<>();
        // What close() stops besides the store, meter, log and event loops: Redis clients, listeners, the watchdog.
        List<AutoCloseable> helpers = new ArrayList<>();
        try {
            protectSecrets(config);
            Database database = Database.open(config.databaseUrl(), config.dataDir(), config.usageFsync());
            opened.add(database);
            Clock clock = Clock.systemUTC();
            MasterKey masterKey = MasterKey.load(config.masterKey(), config.dataDir());
            if (masterKey.fromFile() && database.dialect() == Database.Dialect.POSTGRESQL) {
                LOG.warn("ZUMIK_MASTER_KEY is unset: secrets are sealed under {}; every replica on this database "
                        + "needs the same key, so set ZUMIK_MASTER_KEY (base64 of 32 bytes) on all of them", masterKey.source());
            }
            SigningKeys signingKeys = new SigningKeys(database, masterKey, clock);
            Signer signer = new Signer(signingKeys);
            ApiKeyService keys = new ApiKeyService(database, clock);
            String initialAdminKey = keys.bootstrap(config.bootstrapKey()).map(ApiKeyService.Created::rawKey).orElse(null);
            UsageMeter meter = new UsageMeter(database, config.usageJournal() && !config.usageFsync()
                    && database.dialect() == Database.Dialect.SQLITE ? config.dataDir().resolve("usage-journal") : null);
            opened.add(meter);
            AccessLog accessLog = AccessLog.open(config.accessLog());
            opened.add(accessLog);
            Metrics metrics = new Metrics();
            metrics.gauge("zumik_usage_events_written_total", meter::eventsWritten);
            metrics.gauge("zumik_usage_commits_total", meter::commits);
            metrics.gauge("zumik_usage_queue_depth", meter::queued);
            metrics.gauge("zumik_usage_journal_backlog", meter::journalBacklog);
            metrics.gauge("zumik_access_log_dropped_total", accessLog::dropped);
            Tracing tracing = Tracing.fromEnv(config.otel());
            if (tracing != null) {
                opened.add(tracing);
                helpers.add(tracing);
                LOG.info("OpenTelemetry traces on: exporting over OTLP/HTTP ({})", config.otel().getOrDefault(
                        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", config.otel().get("OTEL_EXPORTER_OTLP_ENDPOINT")));
            }
            Telemetry telemetry = new Telemetry(accessLog, metrics, tracing);
            ModelCatalog catalog = ModelCatalog.bundled();
            java.util.Set<String> catalogued = new java.util.HashSet<>();
            catalog.models().forEach(m -> catalogued.add(m.id()));
            metrics.inference().catalogue(catalogued::contains);
            UsageQueries usageQueries = new UsageQueries(database, meter);
            ArtifactStore artifacts = new ArtifactStore(database, clock);
            StateCache stateCache = StateCache.ofMegabytes(config.stateCacheMegabytes());
            SessionStore sessionStore = new SessionStore(database, clock, stateCache);
            SnapshotCompiler snapshotCompiler = new SnapshotCompiler(database, clock, stateCache);
            ArtifactsHandler artifactsApi = new ArtifactsHandler(artifacts);
            SessionsHandler sessionsApi = new SessionsHandler(sessionStore, snapshotCompiler);
            ExecutorService blocking = Executors.newVirtualThreadPerTaskExecutor();
            AliasRegistry aliases = new AliasRegistry(database, clock, catalog.revision());
            aliases.bootstrap(aliasDefinitions(config));
            CircuitBreakers.Shared sharedCircuits = CircuitBreakers.LOCAL;
            if (config.redisUrl() != null) {
                RedisCircuits redisCircuits = new RedisCircuits(config.redisUrl(), config.redisPrefix());
                opened.add(redisCircuits);
                helpers.add(redisCircuits);
                sharedCircuits = redisCircuits;
            }
            CircuitBreakers circuits = new CircuitBreakers(clock, config.circuitOpenMillis(), sharedCircuits);
            metrics.inference().circuits(circuits::states);
            Cooldowns cooldowns = new Cooldowns(clock);
            RetryBudget retryBudget = new RetryBudget();
            AuditLog audit = new AuditLog(database, clock, blocking);
            AgentHints hints = new AgentHints(database);
            RegionalPolicies regionalPolicies = new RegionalPolicies(database);
            regionalPolicies.refresh();
            Idempotency idempotency = new Idempotency(database, clock);
            InferenceFront inference = new InferenceFront(hints, idempotency);
            InFlight inFlightResponses = new InFlight();
            CancelBus cancelBus = CancelBus.forDatabase(database, inFlightResponses);
            if (cancelBus != null) {
                opened.add(cancelBus);
                helpers.add(cancelBus);
            }
            AdmissionController admission = AdmissionController.defaults(
                    config.file().maxConcurrency() == null ? 2048 : config.file().maxConcurrency());
            PriceTable prices = config.file().prices() == null ? PriceTable.bundled()
                    : PriceTable.bundled().withOverrides(config.file().prices());
            ConfigFile.Limits fileLimits = config.file().limits();
            LimitDefaults limitDefaults = new LimitDefaults(fileLimits.keyRpm(), fileLimits.keyTpm(),
                    fileLimits.projectRpm(), fileLimits.projectTpm(), config.governance().globalRpm(),
                    fileLimits.readRpm() != null ? fileLimits.readRpm() : LimitDefaults.NONE.readRpm(),
                    fileLimits.adminRpm() != null ? fileLimits.adminRpm() : LimitDefaults.NONE.adminRpm(),
                    fileLimits.defaultMaxOutputTokens() != null ? fileLimits.defaultMaxOutputTokens()
                            : LimitDefaults.NONE.defaultOutputTokens(), config.governance().billing());
            Vertx vertx = Vertx.vertx(new VertxOptions()
                    .setPreferNativeTransport(true)
                    .setEventLoopPoolSize(config.eventLoops()));
            opened.add(() -> vertx.close().await());
            LocalCounters localCounters = new LocalCounters(clock);
            Counters counters = localCounters;
            RedisCounters redisCounters = null;
            if (config.redisUrl() != null) {
                redisCounters = new RedisCounters(config.redisUrl(), config.redisPrefix(),
                        config.governance().redisTimeoutMs(), vertx, localCounters);
                opened.add(redisCounters);
                helpers.add(redisCounters);
                metrics.gauge("zumik_limits_redis_fallbacks_total", redisCounters::fallbacks);
                metrics.gauge("zumik_limits_shared", redisCounters::shared);
                counters = redisCounters;
            }
            Governor governor = new Governor(limitDefaults, counters, localCounters);
            metrics.gauge("zumik_limits_rejected_rate_limit_total", governor::refusedByRateLimits);
            metrics.gauge("zumik_limits_rejected_quota_total", governor::refusedByBudgets);
            metrics.gauge("zumik_limits_rejected_credits_total", governor::refusedForCredits);
            TokenEstimator tokens = new TokenEstimator(limitDefaults.defaultOutputTokens());
            metrics.gauge("zumik_admission_running", admission::running);
            metrics.gauge("zumik_admission_queued", admission::queued);

            int port = config.port() == 0 ? freePort(config.host()) : config.port();
            AtomicInteger inFlight = new AtomicInteger();
            List<HttpFront> fronts = new CopyOnWriteArrayList<>();
            ApiKeysHandler apiKeys = new ApiKeysHandler(keys, meter::awaitVisible);
            ProjectsHandler projectsApi = new ProjectsHandler(keys);
            AlertWebhook webhook = config.governance().alertWebhookUrl() == null ? null
                    : new AlertWebhook(config.governance().alertWebhookUrl(), config.governance().alertWebhookSecret());
            if (webhook != null) {
                metrics.gauge("zumik_budget_alerts_delivered_total", webhook::delivered);
                metrics.gauge("zumik_budget_alerts_failed_total", webhook::failed);
            }
            Billing billing = new Billing(database, clock, meter, keys, audit, webhook, config.governance().billing());
            metrics.inference().budgets(billing::levels);
            BillingHandler billingApi = new BillingHandler(billing);
            UsageHandler usage = new UsageHandler(usageQueries, prices);
            ModelsHandler models = new ModelsHandler(catalog, aliases);
            ProviderCredentials providerCredentials = new ProviderCredentials(database, masterKey, clock);
            providerCredentials.refresh();
            ExecutionPolicies executionPolicies = new ExecutionPolicies(database, clock);
            executionPolicies.refresh();
            UpstreamUrls upstreamUrls = new UpstreamUrls(config.allowPrivateUpstreams());
            ByokRouting byok = new ByokRouting(providerCredentials, executionPolicies, config);
            ProviderCredentialsHandler credentialsApi = new ProviderCredentialsHandler(providerCredentials, upstreamUrls, audit);
            ExecutionPolicyHandler executionPolicyApi = new ExecutionPolicyHandler(executionPolicies, providerCredentials, audit);
            AuditEventsHandler auditApi = new AuditEventsHandler(audit);
            AgentHintsHandler hintsApi = new AgentHintsHandler(hints);
            RegionalPolicyHandler regionApi = new RegionalPolicyHandler(regionalPolicies, audit);
            var batchConfig = config.batches();
            FileStore files = new FileStore(database, config.dataDir(), clock, new FileStore.Limits(
                    batchConfig.maxFileBytes(), batchConfig.projectMaxFiles(), batchConfig.projectMaxBytes()));
            files.removeOrphans();
            FilesHandler filesApi = new FilesHandler(files, config.dataDir().resolve("uploads"), clock);
            filesApi.removeStaleUploads();
            // Batch lines run on the event loops' own brokers, registered below as each loop builds its broker.
            BackgroundBrokers background = new BackgroundBrokers();
            BatchRunner batchRunner = new BatchRunner(database, files, keys, background, blocking, clock,
                    batchConfig.lease(), batchConfig.linesInFlight());
            BatchesHandler batchesApi = new BatchesHandler(batchRunner, files, idempotency, clock);
            FingerprintKeys fingerprintKeys = new FingerprintKeys(database, masterKey, clock, blocking);
            ReuseLedger reuse = config.reuseAccounting() ? new ReuseLedger(fingerprintKeys, 1_000_000) : null;
            if (reuse != null) keys.whenProjectLoaded(fingerprintKeys::warm);
            FingerprintKeysHandler fingerprintKeysApi = new FingerprintKeysHandler(fingerprintKeys);
            ReplayStore replayStore = new ReplayStore(database);
            UsageTraffic usageTraffic = new UsageTraffic(database, meter::awaitVisible);
            ClusterRegistry byocClusters = new ClusterRegistry(database, masterKey, clock, config.byocHeartbeatTimeout().toMillis());
            byocClusters.refresh();
            ReplayRuns replayRuns = new ReplayRuns(replayStore, aliases, catalog, prices, usageTraffic,
                    signer::sign, clock, byocClusters);
            Activations byocActivations = new Activations(byocClusters, replayRuns,
                    report -> Verifier.verify(report, KeyRing.ofKeys(signingKeys.list())), aliases, audit, clock);
            ByocClustersHandler byocApi = new ByocClustersHandler(byocClusters, byocActivations, audit, upstreamUrls);
            ModelAliasesHandler aliasApi = new ModelAliasesHandler(aliases, catalog, providerCredentials,
                    byocClusters::aliasTargetRefusal);
            ReplayRunner replayRunner = new ReplayRunner(replayStore, replayRuns::report, blocking, clock, REPLAY_LEASE);
            ReplayRunsHandler replayApi = new ReplayRunsHandler(replayRuns, replayRunner::queued);
            Diagnostics diagnostics = new Diagnostics(database, clock, signer::sign);
            DiagnosticsHandler diagnosticsApi = new DiagnosticsHandler(diagnostics, usageTraffic);
            PurgeJobsHandler purgeApi = new PurgeJobsHandler(new PurgeJobs(database, clock, catalog,
                    config.bifrostBaseUrl() != null, signer::sign, List.of(
                            projectData("files", files::purgeProject), projectData("batches", batchRunner::purgeProject),
                            projectData("fingerprint_keys", fingerprintKeys::purgeProject),
                            projectData("replay_runs", replayStore::purgeProject),
                            projectData("diagnostics", diagnostics::purgeProject),
                            projectData("byoc_clusters", byocClusters::purgeProject)), meter::awaitVisible));
            SigningKeysHandler signingKeysApi = new SigningKeysHandler(signingKeys);
            UsageAnalytics usageAnalytics = new UsageAnalytics(database, meter);
            AnalyticsHandler analyticsApi = new AnalyticsHandler(usageAnalytics, clock);
            ProviderHealthHandler providerHealthApi = new ProviderHealthHandler(usageAnalytics, circuits, cooldowns, clock);
            ResponseSearchHandler responseSearchApi = new ResponseSearchHandler(usageQueries);
            ConsoleAssets console = new ConsoleAssets();
            var watchdogRef = new java.util.concurrent.atomic.AtomicReference<LoopWatchdog>();
            OpsEndpoints ops = new OpsEndpoints(metrics, config.metricsToken(),
                    () -> watchdogRef.get() == null ? null : watchdogRef.get().problem());
            Connections connections = new Connections(config.http());
            BodyBudget bodyBudget = new BodyBudget(config.http().bodyBudgetBytes());
            metrics.gauge("zumik_http_connections_open", connections::open);
            metrics.gauge("zumik_http_body_bytes_held", bodyBudget::held);
            for (Connections.Closed why : Connections.Closed.values()) {
                metrics.gauge("zumik_http_connections_closed_" + why.name().toLowerCase(java.util.Locale.ROOT) + "_total",
                        () -> connections.closedBy(why));
            }
            vertx.exceptionHandler(t -> {
                if (t instanceof OutOfMemoryError || t instanceof InternalError) {
                    LOG.error("FATAL: {} on an event loop; exiting so a supervisor can restart Zumik", t.toString());
                    fatalExit.run();
                } else {
                    LOG.error("uncaught error on an event loop", t);
                }
            });

            java.util.function.Supplier<HttpFront> newFront = () -> {
                HttpFront front = new HttpFront(config.host(), port, () -> {
                    // Runs on the new front's own event loop: its transport and broker stay there.
                    Transport transport = new Transport(vertx, config.timeouts().connect());
                    Targets targets = new Targets(config, transport);
                    var context = vertx.getOrCreateContext();
                    var services = new BrokerServices(config, meter, task -> context.runOnContext(v -> task.run()), vertx,
                            clock, circuits, cooldowns, retryBudget, targets,
                            e -> audit.record(e.projectId(), e.type(), e.details()), inFlightResponses, context,
                            governor, prices, tokens, reuse, metrics.inference());
                    ExecutionBroker broker = new ExecutionBroker(
                            new RoutePlanner(catalog, aliases, targets, circuits, cooldowns, regionalPolicies, byok,
                                    byocClusters, config.byocSaturation()), services, admission);
                    background.add(context, broker);
                    ResponsesApiHandler responsesApi = new ResponsesApiHandler(broker, database, inFlightResponses, cancelBus,
                            inference, blocking);
                    ResponsesHandler responses = new ResponsesHandler(broker, usageQueries, inFlightResponses, cancelBus,
                            inference, sessionStore, snapshotCompiler);
                    return new Routes()
                            .add(Route.get("/healthz", null, (ex, b) -> ops.health(ex)))
                            .add(Route.get("/metrics", null, (ex, b) -> ops.metrics(ex)))
                            .add(Route.get(SigningKeysHandler.PATH, null, (ex, b) -> signingKeysApi.list(ex)))
                            .add(Route.post(ChatCompletionsHandler.PATH, Scope.INFERENCE,
                                    new ChatCompletionsHandler(broker, inference)))
                            .add(Route.post(EmbeddingsHandler.PATH, Scope.INFERENCE, new EmbeddingsHandler(broker, inference)))
                            .add(Route.post(ResponsesApiHandler.PATH, Scope.INFERENCE, responsesApi::create))
                            .add(Route.get(ResponsesApiHandler.ONE_PATH, Scope.INFERENCE, (ex, b) -> responsesApi.get(ex)))
                            .add(Route.delete(ResponsesApiHandler.ONE_PATH, Scope.INFERENCE, (ex, b) -> responsesApi.delete(ex)))
                            .add(new Route(io.vertx.core.http.HttpMethod.POST, ResponsesApiHandler.ONE_PATH, Scope.INFERENCE,
                                    false, (ex, b) -> responsesApi.cancel(ex)))
                            .add(Route.post(ResponsesHandler.PATH, Scope.INFERENCE, responses::create))
                            .add(Route.post(ArtifactsHandler.ARTIFACTS, Scope.INFERENCE, artifactsApi::createArtifact))
                            .add(Route.get(ArtifactsHandler.ARTIFACTS, Scope.INFERENCE, (ex, b) -> artifactsApi.listArtifacts(ex)))
                            .add(Route.get(ArtifactsHandler.ONE_ARTIFACT, Scope.INFERENCE, (ex, b) -> artifactsApi.getArtifact(ex)))
                            .add(Route.delete(ArtifactsHandler.ONE_ARTIFACT, Scope.INFERENCE, (ex, b) -> artifactsApi.deleteArtifact(ex)))
                            .add(Route.post(ArtifactsHandler.BUNDLES, Scope.INFERENCE, artifactsApi::createBundle))
                            .add(Route.get(ArtifactsHandler.BUNDLES, Scope.INFERENCE, (ex, b) -> artifactsApi.listBundles(ex)))
                            .add(Route.get(ArtifactsHandler.ONE_BUNDLE, Scope.INFERENCE, (ex, b) -> artifactsApi.getBundle(ex)))
                            .add(Route.delete(ArtifactsHandler.ONE_BUNDLE, Scope.INFERENCE, (ex, b) -> artifactsApi.deleteBundle(ex)))
                            .add(Route.post(PurgeJobsHandler.PATH, Scope.ADMIN, purgeApi::create))
                            .add(Route.get(FingerprintKeysHandler.PATH, Scope.ADMIN, (ex, b) -> fingerprintKeysApi.list(ex)))
                            .add(Route.post(FingerprintKeysHandler.ROTATE_PATH, Scope.ADMIN, fingerprintKeysApi::rotate))
                            .add(Route.get(PurgeJobsHandler.ONE_PATH, Scope.ADMIN, (ex, b) -> purgeApi.get(ex)))
                            .add(Route.post(ReplayRunsHandler.PATH, Scope.ADMIN, replayApi::create))
                            .add(Route.get(ReplayRunsHandler.ONE_PATH, Scope.ADMIN, (ex, b) -> replayApi.get(ex)))
                            .add(new Route(io.vertx.core.http.HttpMethod.POST, ReplayRunsHandler.ONE_PATH, Scope.ADMIN, false,
                                    replayApi::cancel))
                            .add(Route.post(DiagnosticsHandler.PATH, Scope.READ, diagnosticsApi::create))
                            .add(Route.get(DiagnosticsHandler.ONE_PATH, Scope.READ, (ex, b) -> diagnosticsApi.get(ex)))
                            .add(Route.post(SessionsHandler.PATH, Scope.INFERENCE, sessionsApi::create))
                            .add(Route.get(SessionsHandler.PATH, Scope.INFERENCE, (ex, b) -> sessionsApi.list(ex)))
                            .add(Route.get(SessionsHandler.ONE_PATH, Scope.INFERENCE, (ex, b) -> sessionsApi.get(ex)))
                            .add(Route.post(SessionsHandler.ONE_PATH, Scope.INFERENCE, sessionsApi::post))
                            .add(Route.delete(SessionsHandler.ONE_PATH, Scope.INFERENCE, (ex, b) -> sessionsApi.delete(ex)))
                            .add(Route.get(ResponsesHandler.ONE_PATH, Scope.READ, (ex, b) -> responses.get(ex)))
                            .add(new Route(io.vertx.core.http.HttpMethod.POST, ResponsesHandler.ONE_PATH, Scope.INFERENCE,
                                    false, (ex, b) -> responses.cancel(ex)))
                            .add(Route.get(ModelAliasesHandler.PATH, Scope.INFERENCE, (ex, b) -> aliasApi.list(ex)))
                            .add(Route.get(ModelAliasesHandler.ONE_PATH, Scope.INFERENCE, (ex, b) -> aliasApi.get(ex)))
                            .add(Route.post(ModelAliasesHandler.ONE_PATH, Scope.ADMIN, aliasApi::install))
                            .add(Route.get(AuditEventsHandler.PATH, Scope.ADMIN, (ex, b) -> auditApi.list(ex)))
                            .add(Route.post(ByocClustersHandler.PATH, Scope.ADMIN, byocApi::create))
                            .add(Route.get(ByocClustersHandler.PATH, Scope.ADMIN, (ex, b) -> byocApi.list(ex)))
                            .add(Route.get(ByocClustersHandler.ONE_PATH, Scope.ADMIN, (ex, b) -> byocApi.get(ex)))
                            .add(Route.post(ByocClustersHandler.ONE_PATH, Scope.ADMIN, byocApi::post))
                            .add(Route.delete(ByocClustersHandler.ONE_PATH, Scope.ADMIN, (ex, b) -> byocApi.delete(ex)))
                            .add(Route.post(AgentHintsHandler.PATH, Scope.INFERENCE, hintsApi::create))
                            .add(Route.post(ProviderCredentialsHandler.PATH, Scope.ADMIN, credentialsApi::create))
                            .add(Route.get(ProviderCredentialsHandler.PATH, Scope.ADMIN, (ex, b) -> credentialsApi.list(ex)))
                            .add(Route.get(ProviderCredentialsHandler.ONE_PATH, Scope.ADMIN, (ex, b) -> credentialsApi.get(ex)))
                            .add(Route.post(ProviderCredentialsHandler.ONE_PATH, Scope.ADMIN, credentialsApi::rotate))
                            .add(Route.delete(ProviderCredentialsHandler.ONE_PATH, Scope.ADMIN,
                                    (ex, b) -> credentialsApi.delete(ex)))
                            .add(Route.get(ExecutionPolicyHandler.PATH, Scope.READ, (ex, b) -> executionPolicyApi.get(ex)))
                            .add(new Route(io.vertx.core.http.HttpMethod.PUT, ExecutionPolicyHandler.PATH, Scope.ADMIN, true,
                                    executionPolicyApi::put))
                            .add(Route.get(RegionalPolicyHandler.PATH, Scope.READ, (ex, b) -> regionApi.get(ex)))
                            .add(Route.get(RegionalPolicyHandler.GOVERNANCE_PATH, Scope.READ, (ex, b) -> regionApi.get(ex)))
                            .add(Route.post(RegionalPolicyHandler.PATH, Scope.ADMIN, regionApi::install))
                            .add(new Route(io.vertx.core.http.HttpMethod.PUT, RegionalPolicyHandler.GOVERNANCE_PATH, Scope.ADMIN,
                                    true, regionApi::install))
                            .add(new Route(io.vertx.core.http.HttpMethod.POST, FilesHandler.PATH, Scope.INFERENCE, false,
                                    filesApi::upload))
                            .add(Route.get(FilesHandler.PATH, Scope.INFERENCE, (ex, b) -> filesApi.list(ex)))
                            .add(Route.get(FilesHandler.ONE_PATH, Scope.INFERENCE, (ex, b) -> filesApi.get(ex)))
                            .add(Route.delete(FilesHandler.ONE_PATH, Scope.INFERENCE, (ex, b) -> filesApi.delete(ex)))
                            .add(Route.post(BatchesHandler.PATH, Scope.INFERENCE, batchesApi::create))
                            .add(Route.get(BatchesHandler.PATH, Scope.INFERENCE, (ex, b) -> batchesApi.list(ex)))
                            .add(Route.get(BatchesHandler.ONE_PATH, Scope.INFERENCE, (ex, b) -> batchesApi.get(ex)))
                            .add(new Route(io.vertx.core.http.HttpMethod.POST, BatchesHandler.ONE_PATH, Scope.INFERENCE, false,
                                    batchesApi::cancel))
                            .add(Route.get(ModelsHandler.LIST_PATH, Scope.INFERENCE, (ex, b) -> models.list(ex)))
                            .add(Route.get(ModelsHandler.ONE_PATH, Scope.INFERENCE, (ex, b) -> models.one(ex)))
                            .add(Route.post(ApiKeysHandler.PATH, Scope.ADMIN, apiKeys::create))
                            .add(Route.get(ApiKeysHandler.PATH, Scope.READ, (ex, b) -> apiKeys.list(ex)))
                            .add(Route.get(ApiKeysHandler.ONE_PATH, Scope.READ, (ex, b) -> apiKeys.one(ex)))
                            .add(Route.delete(ApiKeysHandler.ONE_PATH, Scope.ADMIN, (ex, b) -> apiKeys.revoke(ex, false)))
                            .add(new Route(io.vertx.core.http.HttpMethod.POST, ApiKeysHandler.ONE_PATH, Scope.ADMIN, false,
                                    (ex, b) -> apiKeys.revoke(ex, true)))
                            .add(Route.patch(ApiKeysHandler.ONE_PATH, Scope.ADMIN, apiKeys::update))
                            .add(Route.get(UsageHandler.PATH, Scope.READ, (ex, b) -> usage.get(ex)))
                            .add(Route.get(AnalyticsHandler.PATH, Scope.READ, (ex, b) -> analyticsApi.timeseries(ex)))
                            .add(Route.get(ProviderHealthHandler.PATH, Scope.READ, (ex, b) -> providerHealthApi.get(ex)))
                            .add(Route.get(ResponsesHandler.PATH, Scope.READ, (ex, b) -> responseSearchApi.list(ex)))
                            .add(Route.get(ConsoleAssets.ROOT, null, (ex, b) -> console.index(ex)))
                            .add(Route.get(ConsoleAssets.ROOT_SLASH, null, (ex, b) -> console.index(ex)))
                            .add(Route.get(ConsoleAssets.FILES_PATH, null, (ex, b) -> console.file(ex)))
                            .add(Route.post(ProjectsHandler.PATH, Scope.PLATFORM, projectsApi::create))
                            .add(Route.get(ProjectsHandler.PATH, Scope.PLATFORM, (ex, b) -> projectsApi.list(ex)))
                            .add(Route.get(ProjectsHandler.ONE_PATH, Scope.PLATFORM, (ex, b) -> projectsApi.one(ex)))
                            .add(Route.patch(ProjectsHandler.ONE_PATH, Scope.PLATFORM, projectsApi::update))
                            .add(Route.get(BillingHandler.ACCOUNT_PATH, Scope.READ, (ex, b) -> billingApi.account(ex)))
                            .add(Route.post(BillingHandler.BUDGET_PATH, Scope.ADMIN, billingApi::budget))
                            .add(Route.post(BillingHandler.CREDITS_PATH, Scope.PLATFORM, billingApi::credits));
                }, keys, telemetry, blocking, inFlight, connections, bodyBudget, governor);
                return front;
            };
            deployFronts(vertx, newFront, config.eventLoops(), fronts);
            List<io.vertx.core.Context> loops = fronts.stream().map(HttpFront::loop).toList();
            if (redisCounters != null) {
                int ready = redisCounters.warm(loops, 2_000);
                if (ready < fronts.size()) {
                    LOG.warn("Redis: {} of {} event loops connected at start-up; the rest connect on their first request",
                            ready, fronts.size());
                }
            }
            every(vertx, blocking, 5_000, "refresh alias releases", aliases::refresh);
            every(vertx, blocking, 5_000, "refresh regional policies", regionalPolicies::refresh);
            every(vertx, blocking, 5_000, "refresh BYOK credentials and execution policies", () -> {
                providerCredentials.refresh();
                providerCredentials.recheckBaseUrls(upstreamUrls);
                executionPolicies.refresh();
            });
            // Heartbeats and activations made through other replicas: see ClusterDirectory for the bound.
            every(vertx, blocking, ClusterRegistry.REFRESH_MS, "refresh BYOC clusters", byocClusters::refresh);
            vertx.setPeriodic(60_000, id -> governor.prune());
            every(vertx, blocking, 60_000, "remove expired files", files::sweep);
            batchRunner.start();
            opened.add(() -> batchRunner.close(0));
            replayRunner.start();
            opened.add(replayRunner);
            helpers.add(replayRunner);
            every(vertx, blocking, 600_000, "purge expired idempotency keys", idempotency::purgeExpired);
            every(vertx, blocking, ALERT_CHECK_MS, "check budget alerts", billing::checkAlerts);
            every(vertx, blocking, 10_000, "record key last-used times", keys::flushLastUsed);
            LoopWatchdog watchdog = new LoopWatchdog(loops,
                    config.http().loopStallExit(), fatalExit).start();
            opened.add(watchdog);
            // First to stop: once the event loops end, their threads are dead and it would call that fatal.
            helpers.addFirst(watchdog);
            watchdogRef.set(watchdog);
            LOG.info("zumik listening on http://{}:{} (event loops: {}, native transport: {}, database: {})",
                    config.host(), port, config.eventLoops(), vertx.isNativeTransportEnabled(),
                    database.dialect().name().toLowerCase(java.util.Locale.ROOT));
            return new Zumik(config, vertx, database, keys, meter, accessLog, blocking, fronts, inFlight,
                    inFlightResponses, batchRunner, signingKeys, signer, helpers, port, initialAdminKey, byocClusters);
        } catch (RuntimeException e) {
            for (int i = opened.size() - 1; i >= 0; i--) {
                try {
                    opened.get(i).close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /** Every secret this process holds is scrubbed by value from upstream text (see {@link SafeMessage}). */
    private static void protectSecrets(ZumikConfig config) {
        config.providers().values().forEach(p -> SafeMessage.protect(p.apiKey()));
        SafeMessage.protect(config.bootstrapKey());
        SafeMessage.protect(config.masterKey());
        SafeMessage.protect(config.metricsToken());
    }

    /** The bundled alias catalogue with the operator's config file laid over it. */
    private static java.util.Map<String, AliasRegistry.Definition> aliasDefinitions(ZumikConfig config) {
        var defs = new java.util.LinkedHashMap<>(AliasRegistry.bundled());
        ConfigFile file = config.file();
        if (file.policyRevision() != null) {
            defs.replaceAll((k, d) -> new AliasRegistry.Definition(file.policyRevision(), d.targets()));
        }
        if (file.aliases() != null) {
            try {
                defs.putAll(AliasRegistry.definitions(file.aliases(),
                        file.policyRevision() == null ? "policy_config" : file.policyRevision()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("ZUMIK_CONFIG: " + e.getMessage());
            }
            defs.forEach((alias, d) -> {
                if (d.targets().stream().anyMatch(t -> t.clusterId() != null)) {
                    throw new IllegalArgumentException("ZUMIK_CONFIG: aliases." + alias + " names a cluster_id, but a BYOC cluster "
                            + "belongs to one project; activate it with POST /v2/byoc/clusters/{id}/activations instead");
                }
            });
        }
        return defs;
    }

    private static PurgeJobs.ProjectData projectData(String name, java.util.function.ToLongFunction<String> purge) {
        return new PurgeJobs.ProjectData() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public long purge(String projectId) {
                return purge.applyAsLong(projectId);
            }
        };
    }

    /** The routes every front serves (tests walk them). */
    public List<ai.zumik.http.Route> routes() {
        return fronts.getFirst().routes().all();
    }

    public int port() {
        return port;
    }

    public ZumikConfig config() {
        return config;
    }

    public ApiKeyService keys() {
        return keys;
    }

    public Database database() {
        return database;
    }

    /** The signing keys (list, rotate); blocking. */
    public SigningKeys signingKeys() {
        return signingKeys;
    }

    /** Signs receipts and reports with the active key ({@link Signer#sign}); blocking. */
    public Signer signer() {
        return signer;
    }

    /**
     * The BYOC clusters routing may use, answered from memory (see {@link ClusterDirectory} for how
     * stale it may be). The broker is wired to it separately.
     */
    public ClusterDirectory clusterDirectory() {
        return clusterDirectory;
    }

    /**
     * Runs blocking {@code task} every {@code periodMs} on the blocking executor, never two at once
     * (a slow database skips a beat rather than piling runs up); a failure is logged and the next
     * period tries again.
     */
    private static void every(Vertx vertx, java.util.concurrent.Executor blocking, long periodMs, String what, Runnable task) {
        var running = new java.util.concurrent.atomic.AtomicBoolean();
        vertx.setPeriodic(periodMs, id -> {
            if (!running.compareAndSet(false, true)) return;
            blocking.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.warn("could not {}: {}", what, e.getMessage());
                } finally {
                    running.set(false);
                }
            });
        });
    }

    /**
     * Deploys one HTTP front per event loop, each on a loop of its own. Vert.x hands out loops round
     * robin to every context it creates, and a starting front creates some of its own (its upstream
     * client), so fronts deployed together can land two on one loop: that loop then serves twice its
     * share while another idles, and wedging it takes the whole front down. Each front is therefore
     * deployed alone and refuses to start on a loop another front has ({@link HttpFront.LoopTaken},
     * before it builds anything); it is deployed again, the round robin having moved on.
     */
    private static void deployFronts(Vertx vertx, java.util.function.Supplier<HttpFront> newFront, int count,
                                     List<HttpFront> fronts) {
        java.util.Set<Thread> taken = java.util.concurrent.ConcurrentHashMap.newKeySet();
        for (int i = 0; i < count; i++) {
            for (int attempt = 0; ; attempt++) {
                HttpFront front = newFront.get();
                // After a few refusals, take any loop rather than not start.
                if (attempt < 4 * count) front.claimingLoopFrom(taken);
                try {
                    vertx.deployVerticle(front).await();
                } catch (HttpFront.LoopTaken again) {
                    continue;
                }
                if (attempt >= 4 * count) LOG.warn("HTTP front {} shares an event loop with another", i);
                fronts.add(front);
                break;
            }
        }
    }

    /** The HTTP event loops (tests use them to stall one on purpose). */
    public List<io.vertx.core.Context> eventLoops() {
        return fronts.stream().map(HttpFront::loop).toList();
    }

    /** The admin key created on a first start without {@code ZUMIK_BOOTSTRAP_KEY}; shown once. */
    public Optional<String> initialAdminKey() {
        return Optional.ofNullable(initialAdminKey);
    }

    /**
     * Graceful stop: refuse new connections, let in-flight requests and streams finish within the
     * grace period, commit every queued usage event, then release everything.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        long grace = config.shutdownGrace().toMillis();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(grace);
        // Batches stop sending new lines at once; the lines in flight finish like requests do.
        batches.stopDispatching();
        for (HttpFront f : fronts) f.drain(grace);
        while ((inFlight.get() > 0 || batches.linesInFlight() > 0) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (inFlight.get() > 0 || batches.linesInFlight() > 0) {
            LOG.warn("shutdown grace expired with {} requests and {} batch lines in flight; ending them", inFlight.get(),
                    batches.linesInFlight());
            // Responses still running are told they were cut by the shutdown, then metered.
            inFlightResponses.shutdownAll();
            long cut = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while ((inFlight.get() > 0 || batches.linesInFlight() > 0) && System.nanoTime() < cut) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        // Every batch line has its outcome recorded before the loops, the meter and the store go.
        batches.close(5_000);
        closeQuietly(helpers.getFirst());
        try {
            vertx.close().await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("event loops did not stop cleanly: {}", e.getMessage());
        }
        for (int i = helpers.size() - 1; i > 0; i--) closeQuietly(helpers.get(i));
        try {
            keys.flushLastUsed();
        } catch (RuntimeException e) {
            LOG.warn("could not record key last-used times: {}", e.getMessage());
        }
        meter.close();
        accessLog.close();
        blocking.shutdown();
        database.close();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("could not stop {}: {}", c.getClass().getSimpleName(), e.getMessage());
        }
    }

    private static int freePort(String host) {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port on " + host, e);
        }
    }
}
