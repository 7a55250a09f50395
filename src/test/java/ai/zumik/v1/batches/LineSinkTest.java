package ai.zumik.v1.batches;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.broker.Served;
import ai.zumik.inference.ExecutionMode;
import ai.zumik.inference.ExecutionProfile;
import ai.zumik.inference.FailureClass;
import ai.zumik.inference.StreamEvent;
import ai.zumik.inference.UpstreamFailure;
import ai.zumik.inference.Usage;
import ai.zumik.provider.ProviderId;
import ai.zumik.qos.ReasonCode;
import org.junit.jupiter.api.Test;

/**
 * {@link LineSink}: which failures put a line back to wait (refused before anything was sent, for
 * a reason time cures) and which fail it with the live endpoint's answer.
 */
class LineSinkTest {
    private static final BatchEndpoint.Prepared PREPARED = new BatchEndpoint.Prepared("m", (b, c, s) -> null,
            (c, served, id) -> c.json());

    private static Served served(int attempts) {
        return new Served(ProviderId.OPENAI, "gpt-4o-mini", "m", ExecutionMode.LIVE, ExecutionProfile.MANAGED_PROVIDER,
                attempts, false, false, null, "batch", "admitted", null, ReasonCode.OK, -1, -1, null, null, null, false, null);
    }

    private static LineOutcome outcome(FailureClass c, Long retryAfter, int attempts) {
        LineSink sink = new LineSink(PREPARED, "rsp_x");
        sink.onEvent(new StreamEvent.Failed(new UpstreamFailure(c, 0, "no", null, null, retryAfter), Usage.UNREPORTED),
                served(attempts));
        return sink.outcome().join();
    }

    @Test
    void refusalsBeforeAnySendThatTimeCuresDeferTheLine() {
        assertThat(outcome(FailureClass.RATE_LIMIT_EXCEEDED, 7L, 0)).isEqualTo(new LineOutcome.Deferred(7_000));
        assertThat(outcome(FailureClass.QUEUE_FULL, null, 0)).isEqualTo(new LineOutcome.Deferred(1_000));
        assertThat(outcome(FailureClass.QUEUE_TIMEOUT, null, 0)).isEqualTo(new LineOutcome.Deferred(1_000));
    }

    @Test
    void everythingElseIsTheLinesAnswer() {
        // Sent at least once: running it again could run it twice.
        LineOutcome.Answered limited = (LineOutcome.Answered) outcome(FailureClass.RATE_LIMITED, 3L, 1);
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.requestId()).isEqualTo("rsp_x");
        assertThat(limited.body()).contains("\"code\":\"provider_rate_limited\"");
        // Refused for reasons time does not cure.
        assertThat(((LineOutcome.Answered) outcome(FailureClass.QUOTA_EXCEEDED, null, 0)).status()).isEqualTo(429);
        assertThat(((LineOutcome.Answered) outcome(FailureClass.CREDITS_REQUIRED, null, 0)).status()).isEqualTo(402);
        assertThat(((LineOutcome.Answered) outcome(FailureClass.NO_ELIGIBLE_TARGET, null, 0)).status()).isEqualTo(503);
    }

    @Test
    void aCompletionIsA200WithTheRenderedBodyAndItsUsage() {
        LineSink sink = new LineSink(PREPARED, "rsp_y");
        Usage u = new Usage(3L, 4L, null, null, null);
        sink.onEvent(new StreamEvent.Completion("{\"a\":1}".getBytes(), u), served(1));
        assertThat(sink.outcome().join()).isEqualTo(new LineOutcome.Answered(200, "rsp_y", "{\"a\":1}", u));
    }
}
