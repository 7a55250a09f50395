package ai.zumik.http;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Set;

/**
 * Decides whether a customer-supplied upstream base URL (a BYOC cluster's endpoint, a BYOK
 * credential's custom base URL) may be dialled: the server-side-request-forgery rule, in one place.
 *
 * <ul>
 *   <li>{@code http} or {@code https} only, with a host; no user-info, query or fragment.</li>
 *   <li>Never: link-local addresses (169.254.0.0/16, fe80::/10, which hold the cloud metadata
 *       endpoints), the unspecified address, multicast and broadcast, {@code 0.0.0.0/8}, other known
 *       metadata addresses (100.100.100.200, fd00:ec2::254) and metadata host names
 *       ({@code metadata.google.internal}, ...).</li>
 *   <li>Only with {@code ZUMIK_ALLOW_PRIVATE_UPSTREAMS=true}: loopback (127.0.0.0/8, ::1,
 *       {@code localhost}), private ranges (10/8, 172.16/12, 192.168/16), shared address space
 *       (100.64/10) and unique-local IPv6 (fc00::/7).</li>
 *   <li>A host made only of numeric labels must be a plain dotted quad: {@code 2130706433},
 *       {@code 0x7f.1} and {@code 0177.0.0.1} all mean loopback to some resolvers and are refused.</li>
 * </ul>
 *
 * <p>A DNS name is not resolved here (that would block, and the answer may change before the
 * call): whoever connects must check the address it actually dials with {@link #checkAddress},
 * which applies the same address rules.
 */
public final class UpstreamUrls {
    private static final Set<String> METADATA_HOSTS = Set.of("metadata.google.internal", "metadata.goog", "metadata",
            "instance-data", "instance-data.ec2.internal", "metadata.azure.com");

    private UpstreamUrls() {}

    /** Why a URL or address was refused; the message names the rule, never echoes credentials. */
    public static final class Refused extends IllegalArgumentException {
        private final boolean malformed;

        Refused(String message, boolean malformed) {
            super(message, null);
            this.malformed = malformed;
        }

        /** True when the URL is not a usable http(s) URL at all (as opposed to one the policy refuses). */
        public boolean malformed() {
            return malformed;
        }
    }

    /**
     * The URL, normalized (lower-case scheme and host, no trailing slash), when it may be dialled.
     *
     * @throws Refused saying which rule it breaks
     */
    public static String check(String url, boolean allowPrivate) {
        if (url == null || url.isBlank()) throw new Refused("it is empty", true);
        URI u;
        try {
            u = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new Refused("it is not a valid URL", true);
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) throw new Refused("only http and https URLs are allowed", true);
        if (u.getRawUserInfo() != null || u.getRawAuthority() != null && u.getRawAuthority().contains("@")) {
            throw new Refused("credentials in the URL (user-info) are not allowed; use api_key", false);
        }
        if (u.getHost() == null) throw new Refused("it has no host (expected http(s)://host[:port][/path])", true);
        if (u.getRawQuery() != null || u.getRawFragment() != null) {
            throw new Refused("a base URL takes no query or fragment", true);
        }
        if (u.getPort() == 0) throw new Refused("port 0 is not a port", true);
        String host = u.getHost().toLowerCase(Locale.ROOT);
        if (host.endsWith(".")) host = host.substring(0, host.length() - 1);
        checkHost(host, allowPrivate);
        String path = u.getRawPath() == null ? "" : u.getRawPath();
        while (path.endsWith("/")) path = path.substring(0, path.length() - 1);
        return scheme + "://" + (u.getHost().startsWith("[") ? u.getHost().toLowerCase(Locale.ROOT) : host)
                + (u.getPort() > 0 ? ":" + u.getPort() : "") + path;
    }

    /** The address rules alone, for the connecting side to apply to what a name resolved to. */
    public static void checkAddress(InetAddress a, boolean allowPrivate) {
        if (a instanceof Inet6Address v6) {
            byte[] b = v6.getAddress();
            if (isMappedV4(b)) {
                checkAddress(v4(b[12], b[13], b[14], b[15]), allowPrivate);
                return;
            }
            if (a.isLinkLocalAddress()) throw new Refused("link-local addresses (fe80::/10) are never allowed", false);
            if ((b[0] & 0xff) == 0xfd && (b[1] & 0xff) == 0x00 && (b[2] & 0xff) == 0x0e && (b[3] & 0xff) == 0xc2) {
                throw new Refused("cloud metadata addresses are never allowed", false);
            }
        } else if (a instanceof Inet4Address) {
            byte[] b = a.getAddress();
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            if (a.isLinkLocalAddress()) {
                throw new Refused("link-local addresses (169.254.0.0/16, where cloud metadata lives) are never allowed", false);
            }
            if (first == 0) throw new Refused("0.0.0.0/8 is not a destination", false);
            if (first == 100 && second == 100 && (b[2] & 0xff) == 100 && (b[3] & 0xff) == 200) {
                throw new Refused("cloud metadata addresses are never allowed", false);
            }
            if (first == 255 && second == 255 && (b[2] & 0xff) == 255 && (b[3] & 0xff) == 255) {
                throw new Refused("the broadcast address is not a destination", false);
            }
            if (!allowPrivate && first == 100 && second >= 64 && second <= 127) throw privateRefused("shared address space (100.64.0.0/10)");
        }
        if (a.isAnyLocalAddress()) throw new Refused("the unspecified address is not a destination", false);
        if (a.isMulticastAddress()) throw new Refused("multicast addresses are not a destination", false);
        if (allowPrivate) return;
        if (a.isLoopbackAddress()) throw privateRefused("loopback addresses");
        if (a.isSiteLocalAddress()) throw privateRefused("private addresses");
        if (a instanceof Inet6Address && (a.getAddress()[0] & 0xfe) == 0xfc) throw privateRefused("unique-local IPv6 addresses (fc00::/7)");
    }

    private static void checkHost(String host, boolean allowPrivate) {
        if (host.startsWith("[")) {
            checkAddress(literal(host.substring(1, host.length() - 1)), allowPrivate);
            return;
        }
        if (allNumericLabels(host)) {
            byte[] quad = dottedQuad(host);
            if (quad == null) {
                throw new Refused("a numeric host must be a plain dotted quad (a.b.c.d, each 0-255, no leading zeros)", true);
            }
            checkAddress(v4(quad[0], quad[1], quad[2], quad[3]), allowPrivate);
            return;
        }
        if (METADATA_HOSTS.contains(host)) throw new Refused("cloud metadata host names are never allowed", false);
        if (!allowPrivate && (host.equals("localhost") || host.endsWith(".localhost"))) throw privateRefused("loopback addresses");
    }

    private static Refused privateRefused(String what) {
        return new Refused(what + " are allowed only when the operator sets ZUMIK_ALLOW_PRIVATE_UPSTREAMS=true", false);
    }

    /** Every label decimal digits or a 0x-prefixed hex number: what some resolvers read as an IPv4 address. */
    private static boolean allNumericLabels(String host) {
        for (String label : host.split("\\.", -1)) {
            if (label.isEmpty()) return false;
            boolean hex = label.length() > 2 && label.startsWith("0x");
            for (int i = hex ? 2 : 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!(c >= '0' && c <= '9' || hex && c >= 'a' && c <= 'f')) return false;
            }
        }
        return true;
    }

    private static byte[] dottedQuad(String host) {
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) return null;
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || p.length() > 1 && p.charAt(0) == '0' || p.startsWith("0x")) return null;
            int v = Integer.parseInt(p);
            if (v > 255) return null;
            out[i] = (byte) v;
        }
        return out;
    }

    /** An IPv6 literal; InetAddress does no lookup for a literal. */
    private static InetAddress literal(String v6) {
        if (v6.isEmpty() || !v6.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
            throw new Refused("it is not a valid IPv6 literal", true);
        }
        try {
            return InetAddress.getByName(v6);
        } catch (UnknownHostException e) {
            throw new Refused("it is not a valid IPv6 literal", true);
        }
    }

    private static boolean isMappedV4(byte[] b) {
        for (int i = 0; i < 10; i++) if (b[i] != 0) return false;
        return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    }

    private static InetAddress v4(byte a, byte b, byte c, byte d) {
        try {
            return InetAddress.getByAddress(new byte[] {a, b, c, d});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
