package ai.zumik.conformance;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * One provider as {@link ProviderConformanceTest} sees it: its fake upstream, how a gateway is
 * pointed at it, and how each scenario of the suite is said in that provider's own wire format.
 * Every scenario is provider-neutral (the same text, tool calls, token counts, error); only the
 * bytes differ. The checks then assert the same OpenAI-shaped result through {@code /v1} for all.
 */
interface ProviderDialect extends AutoCloseable {

    /** A tool call; {@code arguments} is the JSON text OpenAI's format carries. */
    record Call(String id, String name, String arguments) {}

    /**
     * Token counts in OpenAI's terms: {@code prompt} includes {@code cached}, {@code completion}
     * includes {@code reasoning}. Each dialect reports them the way its provider does.
     */
    record Tokens(int prompt, int cached, int completion, int reasoning) {}

    /** The counts of every ordinary answer. */
    Tokens PLAIN = new Tokens(12, 0, 5, 0);

    String name();

    /** The model a client asks for ({@code provider/model}). */
    String model();

    /** Another model of the same provider, for checks that take their target out of rotation (Retry-After). */
    String rateLimitedModel();

    FakeProvider fake();

    /** The gateway's environment pointing at {@link #fake()}. */
    Map<String, String> env();

    /** Whether the manifest lets the provider answer {@code n > 1}. */
    boolean supportsChoices();

    /** Whether the provider streams a tool call's arguments in fragments (Gemini sends whole calls). */
    boolean streamsArgumentFragments();

    Script text(String text);

    Script streamText(List<String> pieces);

    /** {@link #streamText} without its ending: the connection is cut after {@code pieces}. */
    Script streamCut(List<String> pieces);

    Script toolCalls(List<Call> calls);

    Script streamToolCalls(List<Call> calls);

    /** The answer to a {@code json_schema} request whose schema is called {@code schemaName}. */
    Script json(String schemaName, String json, boolean stream);

    /** An answer that ends for {@code reason} (stop, length, tool_calls, content_filter). */
    Script finish(String reason, Call call, boolean stream);

    Script usage(Tokens tokens, boolean stream);

    /** Two choices (only asked of providers that {@link #supportsChoices()}). */
    Script twoChoices(String first, String second);

    Script badRequest(String message);

    /** The provider refusing Zumik's credential, as it really answers that. */
    Script authFailure();

    Script rateLimited(long retryAfterSeconds);

    Script serverError();

    Script overloaded();

    /** Asserts the upstream request of the six-turn conversation carried the tool turns correctly. */
    void assertToolTurns(JsonNode upstream, List<Call> calls, List<String> results);

    /** Asserts the upstream request asked for JSON following the schema named {@code schemaName}. */
    void assertJsonSchemaRequested(JsonNode upstream, String schemaName);

    /** Asserts the upstream request asked for two choices. */
    void assertTwoChoicesRequested(JsonNode upstream);

    @Override
    default void close() {
        fake().close();
    }
}
