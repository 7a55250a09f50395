package ai.zumik.v2;

import ai.zumik.audit.AuditLog;
import ai.zumik.credentials.ProviderCredential;
import ai.zumik.credentials.ProviderCredentials;
import ai.zumik.http.ApiError;
import ai.zumik.http.ApiException;
import ai.zumik.http.Exchange;
import ai.zumik.http.Params;
import ai.zumik.http.UpstreamUrls;
import ai.zumik.json.Json;
import ai.zumik.provider.ProviderId;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * {@code /v2/provider-credentials} (admin): a project's BYOK credentials. Create
 * ({@code provider}, {@code secret}, optional {@code base_url} for OpenAI-compatible providers and
 * {@code name}), list, retrieve, rotate ({@code POST /{id}/rotate}: a new secret under the same
 * id, version + 1) and delete. The secret is never returned, logged or echoed in an error, not
 * even in a JSON syntax error (those are reported without the parser's excerpt here); only its
 * fingerprint is shown. Another project's credential is a 404 like a missing one. Every change
 * is audited ({@code byok.credential.create|rotate|delete}). Without an explicit
 * {@code ZUMIK_MASTER_KEY} every route answers 400 {@code master_key_required}.
 */
public final class ProviderCredentialsHandler {
    public static final String PATH = "/v2/provider-credentials";
    public static final String ONE_PATH = "/v2/provider-credentials/*";
    static final int MAX_SECRET = 4_096;
    static final int MAX_NAME = 200;
    private static final Set<String> CREATE_FIELDS = Set.of("provider", "secret", "base_url", "name", "display_name");
    private static final Set<String> ROTATE_FIELDS = Set.of("secret");
    /** The credentials API's provider names: the five wire ids, and the reference docs' {@code google_gemini}. */
    static final Map<String, ProviderId> PROVIDERS = Map.of("openai", ProviderId.OPENAI, "anthropic", ProviderId.ANTHROPIC,
            "xai", ProviderId.XAI, "gemini", ProviderId.GEMINI, "google_gemini", ProviderId.GEMINI,
            "fireworks_ai", ProviderId.FIREWORKS_AI);

    private final ProviderCredentials credentials;
    private final UpstreamUrls urls;
    private final AuditLog audit;

    public ProviderCredentialsHandler(ProviderCredentials credentials, UpstreamUrls urls, AuditLog audit) {
        this.credentials = credentials;
        this.urls = urls;
        this.audit = audit;
    }

    /** 400 {@code master_key_required}: BYOK is off until the operator gives Zumik a real master key. */
    public static ApiException masterKeyRequired() {
        return ApiError.invalid(null, "master_key_required", "BYOK is disabled on this Zumik: it seals provider credentials "
                + "only under an explicit ZUMIK_MASTER_KEY, and this server uses a key file generated next to its database. "
                + "The operator enables BYOK by setting ZUMIK_MASTER_KEY to base64 of 32 random bytes "
                + "('openssl rand -base64 32'), the same on every replica, and restarting.").exception();
    }

    public void create(Exchange ex, Buffer body) {
        requireEnabled();
        ObjectNode req = object(body);
        Params.rejectUnknown(req, CREATE_FIELDS);
        ProviderId provider = provider(req);
        byte[] secret = secret(req);
        String name = name(req);
        String baseUrl = Params.optionalString(req, "base_url", "base_url");
        if (baseUrl != null && provider != ProviderId.OPENAI && provider != ProviderId.XAI && provider != ProviderId.FIREWORKS_AI) {
            Arrays.fill(secret, (byte) 0);
            throw Params.invalidValue("base_url", "'base_url' is only accepted for OpenAI-compatible providers (openai, xai, "
                    + "fireworks_ai); " + provider.wireId() + " credentials always call " + provider.wireId() + " itself.");
        }
        String project = ex.principal().projectId();
        ex.offload(() -> {
            try {
                String checked = baseUrl == null ? null : checkedUrl(baseUrl);
                return credentials.create(project, provider, name, checked, secret);
            } finally {
                Arrays.fill(secret, (byte) 0);
            }
        }, c -> {
            audit.record(project, "byok.credential.create", auditDetails(c, ex));
            ex.sendJson(200, json(c));
        });
    }

    public void list(Exchange ex) {
        requireEnabled();
        String project = ex.principal().projectId();
        ex.offload(() -> credentials.list(project), all -> {
            ObjectNode root = Json.object();
            root.put("object", "list");
            ArrayNode data = root.putArray("data");
            for (ProviderCredential c : all) data.add(json(c));
            root.put("has_more", false);
            ex.sendJson(200, root);
        });
    }

    public void get(Exchange ex) {
        requireEnabled();
        String id = tail(ex);
        if (id.contains("/")) throw ApiError.unknownUrl("GET", ex.request().path()).exception();
        String project = ex.principal().projectId();
        ex.offload(() -> credentials.get(project, id).orElseThrow(() -> notFound(id)), c -> ex.sendJson(200, json(c)));
    }

    /** {@code POST /v2/provider-credentials/{id}/rotate}. */
    public void rotate(Exchange ex, Buffer body) {
        requireEnabled();
        String tail = tail(ex);
        if (!tail.endsWith("/rotate") || tail.indexOf('/') != tail.length() - "/rotate".length()) {
            throw ApiError.unknownUrl("POST", ex.request().path()).exception();
        }
        String id = tail.substring(0, tail.length() - "/rotate".length());
        ObjectNode req = object(body);
        Params.rejectUnknown(req, ROTATE_FIELDS);
        byte[] secret = secret(req);
        String project = ex.principal().projectId();
        ex.offload(() -> {
            try {
                return credentials.rotate(project, id, secret).orElseThrow(() -> notFound(id));
            } finally {
                Arrays.fill(secret, (byte) 0);
            }
        }, c -> {
            audit.record(project, "byok.credential.rotate", auditDetails(c, ex));
            ex.sendJson(200, json(c));
        });
    }

    public void delete(Exchange ex) {
        requireEnabled();
        String id = tail(ex);
        if (id.contains("/")) throw ApiError.unknownUrl("DELETE", ex.request().path()).exception();
        String project = ex.principal().projectId();
        ex.offload(() -> {
            if (!credentials.delete(project, id)) throw notFound(id);
            return id;
        }, deleted -> {
            ObjectNode details = Json.object();
            details.put("credential_id", deleted);
            details.put("key_id", ex.principal().keyId());
            audit.record(project, "byok.credential.delete", details);
            ObjectNode o = Json.object();
            o.put("id", deleted);
            o.put("object", "provider_credential.deleted");
            o.put("deleted", true);
            ex.sendJson(200, o);
        });
    }

    private void requireEnabled() {
        if (!credentials.enabled()) throw masterKeyRequired();
    }

    /** The body as an object; a syntax error is reported without the parser's excerpt (it may quote the secret). */
    static ObjectNode object(Buffer body) {
        try {
            return Params.object(body);
        } catch (ApiException e) {
            if (!"invalid_json".equals(e.error().code())) throw e;
            throw ApiError.invalidJson("it is not well-formed JSON (the parser's details are withheld on this endpoint, "
                    + "which carries secrets).").exception();
        }
    }

    static ProviderId provider(JsonNode req) {
        String name = Params.requiredString(req, "provider", "provider");
        ProviderId p = PROVIDERS.get(name);
        if (p == null) {
            throw Params.invalidValue("provider", "Invalid value for 'provider': '" + abbreviated(name)
                    + "'. Supported values are: 'anthropic', 'fireworks_ai', 'gemini' (or 'google_gemini'), 'openai', 'xai'.");
        }
        return p;
    }

    /**
     * The secret's bytes: 1 to 4,096 printable ASCII characters, no spaces or control characters
     * (what an HTTP auth header can carry). Refusals describe the rule, never the value.
     */
    static byte[] secret(JsonNode req) {
        String s = Params.requiredString(req, "secret", "secret");
        if (s.length() > MAX_SECRET) {
            throw Params.invalidValue("secret", "Invalid 'secret': longer than " + MAX_SECRET + " characters.");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                throw Params.invalidValue("secret", "Invalid 'secret': it must be printable ASCII without spaces or control "
                        + "characters (character " + (i + 1) + " is not).");
            }
        }
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String name(JsonNode req) {
        String name = Params.optionalString(req, "name", "name");
        String display = Params.optionalString(req, "display_name", "display_name");
        if (name != null && display != null && !name.equals(display)) {
            throw Params.invalidValue("display_name", "Give 'name' or 'display_name' (the same thing), not two different values.");
        }
        String n = name != null ? name : display;
        String param = name != null ? "name" : "display_name";
        if (n == null) return null;
        if (n.isEmpty() || n.length() > MAX_NAME) throw Params.invalidValue(param, "Invalid '" + param + "': 1 to " + MAX_NAME + " characters.");
        for (int i = 0; i < n.length(); i++) {
            if (Character.isISOControl(n.charAt(i))) throw Params.invalidValue(param, "Invalid '" + param + "': control characters are not allowed.");
        }
        return n;
    }

    private String checkedUrl(String raw) {
        try {
            return urls.check(raw);
        } catch (UpstreamUrls.Refused r) {
            throw Params.invalidValue("base_url", r.getMessage());
        }
    }

    private static String tail(Exchange ex) {
        return ex.request().path().substring(PATH.length() + 1);
    }

    private static ApiException notFound(String id) {
        return ApiError.notFound("No provider credential '" + abbreviated(id) + "' exists.").exception();
    }

    private static String abbreviated(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "…" : s;
    }

    private static ObjectNode auditDetails(ProviderCredential c, Exchange ex) {
        ObjectNode d = Json.object();
        d.put("credential_id", c.id());
        d.put("provider", c.provider().wireId());
        d.put("secret_fingerprint", c.fingerprint());
        d.put("version", c.version());
        d.put("key_id", ex.principal().keyId());
        return d;
    }

    static ObjectNode json(ProviderCredential c) {
        ObjectNode o = Json.object();
        o.put("id", c.id());
        o.put("object", "provider_credential");
        o.put("project_id", c.projectId());
        o.put("provider", c.provider().wireId());
        o.put("name", c.name());
        o.put("display_name", c.name());
        o.put("base_url", c.baseUrl());
        o.put("secret_fingerprint", c.fingerprint());
        o.put("version", c.version());
        o.put("status", "active");
        o.put("created_at", Rfc3339.format(c.createdAtMs()));
        o.put("rotated_at", c.rotatedAtMs() == null ? null : Rfc3339.format(c.rotatedAtMs()));
        return o;
    }
}
