package ai.zumik.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The SSRF table for customer upstream base URLs (BYOK {@code base_url}, BYOC cluster endpoints):
 * each row is a URL and what happens to it with private upstreams forbidden (the default) and with
 * {@code ZUMIK_ALLOW_PRIVATE_UPSTREAMS=true}: {@code ok}, or a word the refusal must contain. Host
 * names resolve through a fixed table, so a name that resolves to a refused address (the DNS
 * rebinding shape) is tested without DNS.
 */
class UpstreamUrlsTest {
    private static final Map<String, List<String>> DNS = Map.of(
            "api.example.com", List.of("93.184.216.34"),
            "byoc.example.com", List.of("93.184.216.34"),
            "x.example.com", List.of("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"),
            "internal.example.com", List.of("10.1.2.3"),
            "mixed.example.com", List.of("93.184.216.34", "192.168.0.10"),
            "meta.example.com", List.of("169.254.169.254"),
            "linklocal.example.com", List.of("93.184.216.34", "fe80::1"),
            "mapped.example.com", List.of("::ffff:169.254.10.10"),
            "localhost", List.of("127.0.0.1", "::1"),
            "api.localhost", List.of("127.0.0.1"));

    /** Names the resolver was asked for, to show literals are never looked up. */
    private final List<String> asked = new ArrayList<>();

    private UpstreamUrls urls(boolean allowPrivate) {
        return new UpstreamUrls(allowPrivate, host -> {
            asked.add(host);
            List<String> ips = DNS.get(host.toLowerCase(Locale.ROOT));
            if (ips == null) throw new UnknownHostException(host);
            InetAddress[] out = new InetAddress[ips.size()];
            for (int i = 0; i < out.length; i++) out[i] = InetAddress.getByName(ips.get(i)); // literals: no lookup
            return out;
        });
    }

    @ParameterizedTest(name = "{0}: default {1}, private allowed {2}")
    @CsvSource(delimiter = '|', textBlock = """
            https://api.example.com/v1                          | ok              | ok
            https://byoc.example.com/v1                         | ok              | ok
            http://api.example.com:8443/v1/                     | ok              | ok
            http://byoc.example.com:8000                        | ok              | ok
            HTTPS://API.EXAMPLE.COM/v1                          | ok              | ok
            HTTPS://Byoc.Example.COM/v1/                        | ok              | ok
            https://x.example.com                               | ok              | ok
            https://8.8.8.8/v1                                  | ok              | ok
            https://[2001:4860:4860::8888]/v1                   | ok              | ok
            http://172.32.0.1/v1                                | ok              | ok
            http://127.0.0.1:8080/v1                            | loopback        | ok
            http://localhost:8080/v1                            | loopback        | ok
            http://api.localhost                                | loopback        | ok
            http://[::1]:8080/v1                                | loopback        | ok
            http://[::ffff:127.0.0.1]/v1                        | loopback        | ok
            http://10.0.0.1/v1                                  | private         | ok
            http://10.1.2.3                                     | private         | ok
            http://172.16.5.4/v1                                | private         | ok
            http://172.16.0.1                                   | private         | ok
            http://172.31.255.255/v1                            | private         | ok
            http://192.168.1.1/v1                               | private         | ok
            http://192.168.1.10:8080                            | private         | ok
            http://100.64.0.1/v1                                | shared          | ok
            http://[fc00::1]/v1                                 | private         | ok
            http://[fd12:3456::1]/v1                            | private         | ok
            http://[::ffff:10.0.0.1]/v1                         | private         | ok
            http://[64:ff9b::a00:1]/v1                          | private         | ok
            http://[2002:c0a8:101::1]/v1                        | private         | ok
            http://internal.example.com/v1                      | private         | ok
            http://mixed.example.com/v1                         | private         | ok
            http://169.254.169.254/latest/meta-data             | metadata        | metadata
            http://[::ffff:169.254.169.254]/                    | metadata        | metadata
            http://meta.example.com/                            | metadata        | metadata
            http://100.100.100.200/                             | metadata        | metadata
            http://[fd00:ec2::254]/                             | metadata        | metadata
            http://[fd00:ec2::1]/                               | metadata        | metadata
            http://metadata.google.internal/computeMetadata/v1  | metadata        | metadata
            http://Metadata.Google.Internal./                   | metadata        | metadata
            http://metadata.azure.com/                          | metadata        | metadata
            http://metadata.azure.internal/                     | metadata        | metadata
            http://169.254.10.10/                               | link-local      | link-local
            http://169.254.1.1                                  | link-local      | link-local
            http://[fe80::1]/                                   | link-local      | link-local
            http://linklocal.example.com/                       | link-local      | link-local
            http://mapped.example.com/                          | link-local      | link-local
            http://0.0.0.0:8080/                                | unspecified     | unspecified
            http://[::]:8080/                                   | unspecified     | unspecified
            http://0.1.2.3/                                     | this network    | this network
            http://224.0.0.1/                                   | multicast       | multicast
            http://255.255.255.255/                             | broadcast       | broadcast
            http://240.0.0.1/                                   | reserved        | reserved
            http://2130706433                                   | dotted quad     | dotted quad
            http://0x7f.0.0.1                                   | dotted quad     | dotted quad
            http://0177.0.0.1                                   | dotted quad     | dotted quad
            http://127.1                                        | dotted quad     | dotted quad
            file:///etc/passwd                                  | scheme          | scheme
            ftp://api.example.com/                              | scheme          | scheme
            ftp://byoc.example.com                              | scheme          | scheme
            gopher://api.example.com:70/                        | scheme          | scheme
            gopher://byoc.example.com                           | scheme          | scheme
            api.example.com/v1                                  | scheme          | scheme
            byoc.example.com/v1                                 | scheme          | scheme
            http://user:pass@api.example.com/v1                 | user info       | user info
            https://user:pass@byoc.example.com                  | user info       | user info
            https://token@byoc.example.com                      | user info       | user info
            http://api.example.com@10.0.0.1/v1                  | user info       | user info
            http:///v1                                          | must name a host | must name a host
            https://api.example.com/v1?key=1                    | query           | query
            https://byoc.example.com/v1?x=1                     | query           | query
            https://api.example.com/v1#x                        | query           | query
            https://byoc.example.com/v1#frag                    | query           | query
            http://api.example.com:0/v1                         | port 0          | port 0
            https://nowhere.invalid/v1                          | does not resolve | does not resolve
            https://api.example.com/ v1                         | spaces          | spaces
            """)
    void theTable(String url, String byDefault, String whenPrivateAllowed) {
        assertOutcome(urls(false), url, byDefault);
        assertOutcome(urls(true), url, whenPrivateAllowed);
    }

    private static void assertOutcome(UpstreamUrls u, String url, String expected) {
        if (expected.equals("ok")) {
            assertThat(u.check(url)).as(url).startsWith("http").doesNotEndWith("/");
            return;
        }
        assertThatThrownBy(() -> u.check(url)).as("%s (private allowed: %s)", url, u.allowsPrivate())
                .isInstanceOf(UpstreamUrls.Refused.class)
                .hasMessageContaining("'base_url'")
                .hasMessageContaining(expected)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("pass@").doesNotContain("token@"));
    }

    @Test
    void normalizesSchemeHostAndTrailingSlashAndSaysWhyItRefuses() {
        UpstreamUrls strict = urls(false);
        assertThat(strict.check("HTTPS://Byoc.Example.COM:8443/v1/")).isEqualTo("https://byoc.example.com:8443/v1");
        assertThatThrownBy(() -> strict.check("http://127.0.0.1")).hasMessageContaining("ZUMIK_ALLOW_PRIVATE_UPSTREAMS");
        assertThatThrownBy(() -> urls(true).check("http://169.254.169.254")).hasMessageContaining("link-local");
        assertThatThrownBy(() -> strict.check("https://u:hunter2@x.example.com"))
                .hasMessageNotContaining("hunter2").isInstanceOf(UpstreamUrls.Refused.class)
                .matches(e -> !((UpstreamUrls.Refused) e).malformed(), "a policy refusal, not a malformed URL");
        assertThatThrownBy(() -> strict.check("gopher://x.example.com"))
                .matches(e -> ((UpstreamUrls.Refused) e).malformed(), "a malformed URL, not a policy refusal");
    }

    @Test
    void literalsAreNeverLookedUpAndTheNonBlockingCheckNeverResolves() {
        UpstreamUrls strict = urls(false);
        strict.check("https://8.8.8.8/v1");
        strict.check("https://[2001:4860:4860::8888]/v1");
        assertThatThrownBy(() -> strict.check("http://10.0.0.1/v1")).isInstanceOf(UpstreamUrls.Refused.class);
        assertThat(strict.checkWithoutResolving("http://internal.example.com/v1/")).isEqualTo("http://internal.example.com/v1");
        assertThatThrownBy(() -> strict.checkWithoutResolving("http://169.254.169.254/")).hasMessageContaining("metadata");
        assertThat(asked).isEmpty();
    }

    @Test
    void theConnectTimeCheckAppliesTheSameAddressRules() throws Exception {
        assertThatThrownBy(() -> urls(true).checkAddress(InetAddress.getByName("169.254.169.254"))).hasMessageContaining("metadata");
        assertThatThrownBy(() -> urls(false).checkAddress(InetAddress.getByName("::ffff:10.0.0.1"))).hasMessageContaining("private");
        urls(true).checkAddress(InetAddress.getByName("10.0.0.1"));
        urls(false).checkAddress(InetAddress.getByName("93.184.216.34"));
    }
}
