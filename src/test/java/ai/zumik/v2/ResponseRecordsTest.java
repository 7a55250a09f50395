package ai.zumik.v2;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.json.Json;
import ai.zumik.json.JsonText;
import ai.zumik.metering.DecisionTemplate;
import ai.zumik.metering.UsageEvent;
import ai.zumik.qos.QosOutcome;
import ai.zumik.qos.ReasonCode;
import ai.zumik.reuse.ReuseAccount;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ResponseRecordsTest {
    // What JsonText escapes or leaves alone: quotes, backslashes, control characters, non-ASCII.
    private static final String AWKWARD = "say \"hi\" \\ tab\t nl\n bell\u0007 é 漢";

    @Test
    void aRecordJustMadeRendersByteForByteAsTheSameRecordReadBack() throws Exception {
        UsageEvent e = event(AWKWARD);

        String made = new String(Json.bytes(ResponseRecords.json(e, true)), StandardCharsets.UTF_8);
        String readBack = new String(Json.bytes(ResponseRecords.json(e)), StandardCharsets.UTF_8);

        assertThat(made).isEqualTo(readBack);
        assertThat(made).contains("\"attempts\":" + e.attempts(), "\"qos_outcome\":" + e.qos(),
                "\"routing_decision\":" + e.routingDecision());
    }

    @Test
    void outsideTheBasicPlaneTheTextsStayUtf8WhereAParsedTreeIsWrittenEscapedAndTheValuesAreTheSame() throws Exception {
        UsageEvent e = event(AWKWARD + " 🦊");

        byte[] made = Json.bytes(ResponseRecords.json(e, true));
        byte[] readBack = Json.bytes(ResponseRecords.json(e));

        assertThat(new String(made, StandardCharsets.UTF_8)).contains("🦊\"},").doesNotContain("\\uD83E\\uDD8A\"},");
        assertThat(new String(readBack, StandardCharsets.UTF_8)).contains("\\uD83E\\uDD8A\"},");
        assertThat(Json.parse(made)).isEqualTo(Json.parse(readBack));
    }

    private static UsageEvent event(String awkward) {
        String attempts = new JsonText().startArray().startObject().field("index", 0).name("target").startObject()
                .field("provider", "openai").field("model", awkward).endObject().field("started_at_ms", 1_700_000_000_000L)
                .field("failure_class", (String) null).field("cached", (Long) null).field("ok", true).endObject().endArray().text();
        String qos = new QosOutcome("interactive", "admitted", "completed", true, null, 12L, 40L, false, false, 1, ReasonCode.OK)
                .toJsonText();
        DecisionTemplate template = DecisionTemplate.of(Json.text(Json.object().put("strategy", "priority").put("note", awkward)));
        String own = new JsonText().startObject().field("seed", "682e0c2a3445b14d").name("order").startArray()
                .string("openai/gpt-4o-mini via direct:openai").endArray().endObject().text();
        return new UsageEvent("rsp_1", "trc_1", "prj_1", "key_1", "/v2/responses", "gpt-4o-mini", "openai",
                "gpt-4o-mini", "live", "managed_provider", false, 200, "completed", null, 12L, 3L, null, 7L, 0L, 41L, 120L,
                1_700_000_000_000L, "v2", null, template, own, attempts, qos, awkward, true, 123_456L, "prc_test",
                new ReuseAccount(10L, 8L, 3L, "pf_0123456789abcdef", "provider", "provider_reported", 300_000L));
    }

    @Test
    void aRecordWithoutTextsRendersNulls() throws Exception {
        UsageEvent e = new UsageEvent("rsp_2", "t", "p", "k", "/v2/responses", "m", null, null, "placeholder",
                "managed_provider", false, 503, "failed", "upstream_unavailable", null, null, null, null, null, null, 5L,
                6L, "v2", null, null, null, null, null, null, false, null, null, null);

        var made = Json.parse(Json.bytes(ResponseRecords.json(e, true)));

        assertThat(made.get("attempts").isNull()).isTrue();
        assertThat(made.get("qos_outcome").isNull()).isTrue();
        assertThat(made.get("routing_decision").isNull()).isTrue();
    }
}
