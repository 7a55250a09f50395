package ai.zumik.telemetry;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Finds the {@code finish_reason} values in an OpenAI-shaped chunk or completion without parsing
 * it, for {@code gen_ai.response.finish_reasons}. Runs only when tracing is on.
 */
public final class FinishReasons {
    private static final byte[] KEY = "\"finish_reason\":\"".getBytes(StandardCharsets.US_ASCII);

    private FinishReasons() {}

    /** Adds each distinct non-null finish reason in {@code json} to {@code into}. */
    public static void scan(byte[] json, List<String> into) {
        int from = 0;
        while ((from = indexOf(json, from)) >= 0) {
            int start = from + KEY.length;
            int end = start;
            while (end < json.length && json[end] != '"' && end - start < 64) end++;
            if (end < json.length && json[end] == '"') {
                String reason = new String(json, start, end - start, StandardCharsets.US_ASCII);
                if (!into.contains(reason)) into.add(reason);
            }
            from = end;
        }
    }

    private static int indexOf(byte[] json, int from) {
        outer:
        for (int i = from; i <= json.length - KEY.length; i++) {
            for (int j = 0; j < KEY.length; j++) if (json[i + j] != KEY[j]) continue outer;
            return i;
        }
        return -1;
    }
}
