package ai.zumik.credentials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The SSRF table for customer base URLs: each row is a URL, whether it passes with private
 * upstreams forbidden (the default) and with {@code ZUMIK_ALLOW_PRIVATE_UPSTREAMS=true}. Host
 * names resolve through a fixed table, so a name that resolves to a private address (the DNS
 * rebinding shape) is tested without DNS.
 */
class UpstreamUrlsTest {
    private static final Map<String, String[]> DNS = Map.of(
            "api.example.com", new String[] {"93.184.216.34"},
            "internal.example.com", new String[] {"10.1.2.3"},
            "mixed.example.com", new String[] {"93.184.216.34", "192.168.0.10"},
            "meta.example.com", new String[] {"169.254.169.254"},
            "localhost", new String[] {"127.0.0.1", "::1"});

    private static UpstreamUrls urls(boolean allowPrivate) {
        return new UpstreamUrls(allowPrivate, host -> {
            String[] ips = DNS.get(host.toLowerCase());
            if (ips == null) {
                // IP literals resolve to themselves; anything else is unknown.
                if (host.matches("[0-9.]+") || host.contains(":")) return new InetAddress[] {InetAddress.getByName(host)};
                throw new UnknownHostException(host);
            }
            InetAddress[] out = new InetAddress[ips.length];
            for (int i = 0; i < ips.length; i++) out[i] = InetAddress.getByName(ips[i]);
            return out;
        });
    }

    @ParameterizedTest(name = "{0}: default {1}, private allowed {2}")
    @CsvSource({
            "https://api.example.com/v1,                 ok,      ok",
            "http://api.example.com:8443/v1/,           ok,      ok",
            "HTTPS://API.EXAMPLE.COM/v1,                 ok,      ok",
            "https://8.8.8.8/v1,                         ok,      ok",
            "http://127.0.0.1:8080/v1,                   loopback, ok",
            "http://localhost:8080/v1,                   loopback, ok",
            "http://[::1]:8080/v1,                       loopback, ok",
            "http://10.0.0.1/v1,                         private, ok",
            "http://172.16.5.4/v1,                       private, ok",
            "http://172.31.255.255/v1,                   private, ok",
            "http://172.32.0.1/v1,                       ok,      ok",
            "http://192.168.1.1/v1,                      private, ok",
            "http://100.64.0.1/v1,                       shared,  ok",
            "http://[fc00::1]/v1,                        private, ok",
            "http://[fd12:3456::1]/v1,                   private, ok",
            "http://[::ffff:127.0.0.1]/v1,               loopback, ok",
            "http://[::ffff:10.0.0.1]/v1,                private, ok",
            "http://[64:ff9b::a00:1]/v1,                 private, ok",
            "http://[2002:c0a8:101::1]/v1,               private, ok",
            "http://internal.example.com/v1,             private, ok",
            "http://mixed.example.com/v1,                private, ok",
            "http://169.254.169.254/latest/meta-data,    metadata, metadata",
            "http://[::ffff:169.254.169.254]/,           metadata, metadata",
            "http://meta.example.com/,                   metadata, metadata",
            "http://100.100.100.200/,                    metadata, metadata",
            "http://[fd00:ec2::254]/,                    metadata, metadata",
            "http://metadata.google.internal/computeMetadata/v1, metadata, metadata",
            "http://Metadata.Google.Internal./,          metadata, metadata",
            "http://169.254.10.10/,                      link-local, link-local",
            "http://[fe80::1]/,                          link-local, link-local",
            "http://0.0.0.0:8080/,                       unspecified, unspecified",
            "http://[::]:8080/,                          unspecified, unspecified",
            "http://224.0.0.1/,                          multicast, multicast",
            "http://255.255.255.255/,                    broadcast, broadcast",
            "file:///etc/passwd,                         scheme,  scheme",
            "ftp://api.example.com/,                     scheme,  scheme",
            "gopher://api.example.com:70/,               scheme,  scheme",
            "api.example.com/v1,                         scheme,  scheme",
            "http://user:pass@api.example.com/v1,        user info, user info",
            "http://api.example.com@10.0.0.1/v1,         user info, user info",
            "http:///v1,                                 host,    host",
            "https://api.example.com/v1?key=1,           query,   query",
            "https://api.example.com/v1#x,               query,   query",
            "https://nowhere.invalid/v1,                 resolve, resolve",
            "https://api.example.com/ v1,                spaces,  spaces"
    })
    void refusesWhatWouldReachZumiksOwnNetwork(String url, String byDefault, String whenPrivateAllowed) {
        check(urls(false), url.trim(), byDefault.trim());
        check(urls(true), url.trim(), whenPrivateAllowed.trim());
    }

    private static void check(UpstreamUrls u, String url, String expected) {
        if (expected.equals("ok")) {
            assertThat(u.check(url)).doesNotEndWith("/");
            return;
        }
        assertThatThrownBy(() -> u.check(url)).isInstanceOf(UpstreamUrls.Refused.class)
                .hasMessageContaining("'base_url'")
                .hasMessageContaining(expected)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("pass@"));
    }
}
