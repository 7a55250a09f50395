package ai.zumik.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The SSRF table: which upstream base URLs a customer may register, with and without private upstreams allowed. */
class UpstreamUrlsTest {

    @ParameterizedTest(name = "{0} -> public {1}, private-allowed {2}")
    @CsvSource(delimiter = '|', textBlock = """
            https://byoc.example.com/v1                 | ok      | ok
            http://byoc.example.com:8000                | ok      | ok
            HTTPS://Byoc.Example.COM/v1/                | ok      | ok
            https://8.8.8.8/v1                          | ok      | ok
            https://[2001:4860:4860::8888]/v1           | ok      | ok
            ftp://byoc.example.com                      | refused | refused
            file:///etc/passwd                          | refused | refused
            gopher://byoc.example.com                   | refused | refused
            byoc.example.com/v1                         | refused | refused
            https://user:pass@byoc.example.com          | refused | refused
            https://token@byoc.example.com              | refused | refused
            https://byoc.example.com/v1?x=1             | refused | refused
            https://byoc.example.com/v1#frag            | refused | refused
            http://169.254.169.254/latest/meta-data     | refused | refused
            http://169.254.1.1                          | refused | refused
            http://[fe80::1]                            | refused | refused
            http://[fd00:ec2::254]                      | refused | refused
            http://100.100.100.200                      | refused | refused
            http://metadata.google.internal/computeMetadata | refused | refused
            http://metadata.google.internal./           | refused | refused
            http://0.0.0.0:8000                         | refused | refused
            http://[::]                                 | refused | refused
            http://224.0.0.1                            | refused | refused
            http://255.255.255.255                      | refused | refused
            http://[::ffff:169.254.169.254]             | refused | refused
            http://2130706433                           | refused | refused
            http://0x7f.0.0.1                           | refused | refused
            http://0177.0.0.1                           | refused | refused
            http://127.1                                | refused | refused
            http://127.0.0.1:8000/v1                    | refused | ok
            http://localhost:8000                       | refused | ok
            http://api.localhost                        | refused | ok
            http://[::1]:8000                           | refused | ok
            http://[::ffff:127.0.0.1]                   | refused | ok
            http://10.1.2.3                             | refused | ok
            http://172.16.0.1                           | refused | ok
            http://172.31.255.255                       | refused | ok
            http://192.168.1.10:8080                    | refused | ok
            http://100.64.0.1                           | refused | ok
            http://[fd12:3456::1]                       | refused | ok
            http://172.32.0.1                           | ok      | ok
            """)
    void theTable(String url, String publicOnly, String privateAllowed) {
        assertOutcome(url, false, publicOnly);
        assertOutcome(url, true, privateAllowed);
    }

    private static void assertOutcome(String url, boolean allowPrivate, String expected) {
        if (expected.equals("ok")) {
            assertThat(UpstreamUrls.check(url, allowPrivate)).as(url).startsWith("http");
        } else {
            assertThatThrownBy(() -> UpstreamUrls.check(url, allowPrivate)).as("%s (private allowed: %s)", url, allowPrivate)
                    .isInstanceOf(UpstreamUrls.Refused.class);
        }
    }

    @org.junit.jupiter.api.Test
    void normalizesSchemeHostAndTrailingSlashAndSaysWhyItRefuses() {
        assertThat(UpstreamUrls.check("HTTPS://Byoc.Example.COM:8443/v1/", false)).isEqualTo("https://byoc.example.com:8443/v1");
        assertThatThrownBy(() -> UpstreamUrls.check("http://127.0.0.1", false)).hasMessageContaining("ZUMIK_ALLOW_PRIVATE_UPSTREAMS");
        assertThatThrownBy(() -> UpstreamUrls.check("http://169.254.169.254", true)).hasMessageContaining("link-local");
        assertThatThrownBy(() -> UpstreamUrls.check("https://u:hunter2@x.example.com", false))
                .hasMessageNotContaining("hunter2").isInstanceOf(UpstreamUrls.Refused.class)
                .matches(e -> !((UpstreamUrls.Refused) e).malformed(), "a policy refusal, not a malformed URL");
    }
}
