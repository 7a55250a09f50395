package ai.zumik.broker;

import ai.zumik.catalog.ModelRef;
import ai.zumik.inference.ExecutionMode;
import ai.zumik.inference.ExecutionProfile;
import ai.zumik.provider.ProviderAdapter;

/**
 * One concrete place a request can run: a provider's model, reached through an adapter over a
 * path ({@code direct:openai}, {@code bifrost}, {@code openrouter}, {@code placeholder}), under
 * an execution profile and mode. {@code upstreamModel} is the string the upstream is sent (for a
 * Bifrost gateway, {@code provider/model}).
 *
 * @param compatibleFallback a stand-in from the requested model's compatibility group (degraded)
 * @param zone where the request would be served ({@code us}, {@code eu}, {@code global}), for regional policy
 * @param attemptTimeoutMs the alias release's per-attempt timeout for this target, or null for the default
 */
public record Target(ModelRef model, String upstreamModel, ProviderAdapter adapter, ExecutionMode mode,
                     ExecutionProfile profile, String path, String modelRevision, boolean compatibleFallback, String zone,
                     Integer attemptTimeoutMs) {

    /** Whether a Responses API request goes to this target as it is, rather than translated to chat. */
    public boolean speaksResponses() {
        return mode == ExecutionMode.LIVE && adapter.speaksResponses();
    }

    Target withAttemptTimeout(Integer ms) {
        return new Target(model, upstreamModel, adapter, mode, profile, path, modelRevision, compatibleFallback, zone, ms);
    }

    /** Path prefix of a target reached with a project's own credential: {@code byok:pcr_…}. */
    static final String BYOK_PATH = "byok:";

    /** The project credential a BYOK target runs on, else null. */
    public String byokCredentialId() {
        return profile == ExecutionProfile.BYOK && path.startsWith(BYOK_PATH) ? path.substring(BYOK_PATH.length()) : null;
    }

    /**
     * Identity for circuits and cool-downs. A BYOK target's path names its credential, so one
     * customer's refused or rate-limited key never opens a circuit or starts a cool-down for the
     * platform's account or for another customer's key on the same model.
     */
    public String key() {
        return profile.wire() + '|' + path + '|' + model.provider().wireId() + '/' + model.model();
    }
}
