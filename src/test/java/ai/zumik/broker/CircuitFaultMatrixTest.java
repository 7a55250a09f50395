package ai.zumik.broker;

import static ai.zumik.broker.Faults.FORBID;
import static ai.zumik.broker.Faults.attemptTargets;
import static ai.zumik.broker.Faults.chat;
import static ai.zumik.broker.Faults.deadline;
import static ai.zumik.broker.Faults.error;
import static ai.zumik.broker.Faults.failureClasses;
import static ai.zumik.broker.Faults.header;
import static ai.zumik.broker.Faults.models;
import static ai.zumik.broker.Faults.parse;
import static ai.zumik.broker.Faults.post;
import static ai.zumik.broker.Faults.record;
import static ai.zumik.broker.Faults.verdicts;
import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Per-target circuit breakers end to end: a flapping primary is skipped ({@code circuit_open})
 * once its circuit opens and comes back through a half-open probe after
 * {@code ZUMIK_CIRCUIT_OPEN_MS}; the probe is never lost to a request that did not use it. The
 * fakes answer by model ({@link Faults.Router}), so a target stays down across requests.
 */
class CircuitFaultMatrixTest {
    private static final long OPEN_MS = 500;
    private static final Script.Reply OVERLOADED = error(503, null, "The engine is currently overloaded");

    static final Faults.Router openaiModels = new Faults.Router();
    static final Faults.Router xaiModels = new Faults.Router();
    static FakeProvider openai;
    static FakeProvider xai;
    static TestGateway gw;

    @BeforeAll
    static void start() {
        openai = FakeProvider.start("/v1", openaiModels);
        xai = FakeProvider.start("/v1", xaiModels);
        gw = Faults.gateway(openai, xai, "ZUMIK_CIRCUIT_OPEN_MS", Long.toString(OPEN_MS));
    }

    @AfterAll
    static void stop() {
        Faults.close(gw, xai, openai);
    }

    @BeforeEach
    void clean() {
        Faults.reset(openai, xai);
        openaiModels.clear();
        xaiModels.clear();
    }

    @Test
    void aFlappingPrimaryIsSkippedWhileItsCircuitIsOpenAndRecoversThroughAHalfOpenProbe() {
        Faults.installRelease(gw, "fault.flap", "[{\"provider\":\"openai\",\"model\":\"gpt-4.1\",\"weight\":1000},"
                + "{\"provider\":\"xai\",\"model\":\"grok-3\",\"weight\":1}]");
        openaiModels.always("gpt-4.1", OVERLOADED);
        HttpResponse<String> skipped = null;
        for (int i = 0; i < 12 && skipped == null; i++) {
            HttpResponse<String> r = post(gw, chat("fault.flap"));
            assertThat(r.statusCode()).as("the secondary serves every request").isEqualTo(200);
            if ("circuit_open".equals(verdicts(record(gw, r)).get("openai/gpt-4.1"))) skipped = r;
        }
        assertThat(skipped).as("the primary's circuit opened").isNotNull();
        assertThat(models(openai)).as("5 consecutive failures open the circuit").hasSize(CircuitBreakers.CONSECUTIVE);
        assertThat(header(skipped, "agent-attempts")).isEqualTo("1");
        assertThat(header(skipped, "agent-resolved-model")).isEqualTo("grok-3");
        JsonNode rec = record(gw, skipped);
        assertThat(attemptTargets(rec)).containsExactly("xai/grok-3");
        assertThat(rec.at("/routing_decision/candidates/0/verdict").asText()).isEqualTo("skipped");
        assertThat(rec.at("/routing_decision/order").toString()).doesNotContain("gpt-4.1");

        // The primary is healthy again; after the open interval one probe goes to it and closes the circuit.
        openaiModels.clear();
        JsonNode probe = null;
        for (int i = 0; i < 4 && probe == null; i++) {
            Faults.sleep(OPEN_MS + 100);
            JsonNode r = record(gw, post(gw, chat("fault.flap")));
            if (attemptTargets(r).getFirst().equals("openai/gpt-4.1")) probe = r;
        }
        assertThat(probe).as("a half-open probe reached the primary").isNotNull();
        assertThat(verdicts(probe)).containsEntry("openai/gpt-4.1", "kept");
        assertThat(failureClasses(probe)).containsExactly("-");
        assertThat(probe.at("/qos_outcome/reason_code").asText()).isEqualTo("ok");

        HttpResponse<String> closed = post(gw, chat("fault.flap"));
        JsonNode after = record(gw, closed);
        assertThat(verdicts(after)).containsEntry("openai/gpt-4.1", "kept").containsEntry("xai/grok-3", "kept");
    }

    /** Fails {@code model} (a single target) until its circuit opens; returns the first request refused for it. */
    private static HttpResponse<String> openCircuit(String model, String... headers) {
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> r = post(gw, chat(model), headers);
            if ("no_eligible_target".equals(header(r, "agent-reason-code"))) return r;
            assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        }
        throw new AssertionError("the circuit of " + model + " never opened");
    }

    @Test
    void aProbeTakenByARequestThatWasThenRefusedDoesNotKeepTheCircuitOpenForever() {
        openaiModels.always("fault-leaky", OVERLOADED);
        HttpResponse<String> refused = openCircuit("openai/fault-leaky");
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(parse(refused.body()).at("/error/code").asText()).isEqualTo("no_eligible_target");
        assertThat(header(refused, "agent-attempts")).isEqualTo("0");
        JsonNode rec = record(gw, refused);
        assertThat(rec.get("attempts")).isEmpty();
        assertThat(verdicts(rec)).containsEntry("openai/fault-leaky", "circuit_open");

        openaiModels.clear();
        Faults.sleep(OPEN_MS + 100);
        // Planned (the half-open circuit let it through), then refused before any attempt.
        HttpResponse<String> tooShort = post(gw, chat("openai/fault-leaky"), "Agent-Hints", deadline(50));
        assertThat(tooShort.statusCode()).isEqualTo(400);
        int before = openai.requests().size();

        HttpResponse<String> recovered = null;
        for (int i = 0; i < 3 && recovered == null; i++) {
            Faults.sleep(OPEN_MS + 100);
            HttpResponse<String> r = post(gw, chat("openai/fault-leaky"));
            if (r.statusCode() == 200) recovered = r;
        }
        assertThat(recovered).as("the target is probed again and recovers").isNotNull();
        assertThat(openai.requests()).hasSize(before + 1);
        assertThat(header(recovered, "agent-reason-code")).isEqualTo("ok");
    }

    @Test
    void aHalfOpenStandInPlannedForTheRequestIsTriedWhenThePrimaryFails() {
        xaiModels.always("grok-3-mini", OVERLOADED);
        openCircuit("grok-3-mini", "Agent-Hints", FORBID);
        xaiModels.clear();
        Faults.sleep(OPEN_MS + 100);

        openaiModels.always("gpt-4o-mini", OVERLOADED);
        HttpResponse<String> r = post(gw, chat("gpt-4o-mini"));
        JsonNode rec = record(gw, r);
        assertThat(verdicts(rec)).containsEntry("xai/grok-3-mini", "kept");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(attemptTargets(rec)).containsExactly("openai/gpt-4o-mini", "xai/grok-3-mini");
        assertThat(failureClasses(rec)).containsExactly("overloaded", "-");
        assertThat(header(r, "agent-reason-code")).isEqualTo("fallback_succeeded");
    }
}
