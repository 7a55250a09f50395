package ai.zumik.inference;

/**
 * A failed upstream attempt as Zumik understood it. {@code message} is safe to show a client: error
 * parsers copy a provider's own validation message but never a URL, header or credential.
 *
 * @param upstreamStatus the provider's HTTP status, or 0 when none arrived
 * @param retryAfterSeconds the provider's {@code Retry-After}, or null
 */
public record UpstreamFailure(FailureClass failureClass, int upstreamStatus, String message, String param,
                              String providerCode, Long retryAfterSeconds) {

    public static UpstreamFailure of(FailureClass c, String message) {
        return new UpstreamFailure(c, 0, message, null, null, null);
    }
}
