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
 * Decides whether a customer-supplied upstream base URL (a BYOK credential's {@code base_url}, a
 * BYOC cluster's endpoint) may be dialled: the server-side-request-forgery rule, in one place.
 *
 * <ul>
 *   <li>{@code http(s)://host[:port][/path]}, at most {@value #MAX_LENGTH} printable ASCII characters:
 *       no user info, query or fragment, no port 0.</li>
 *   <li>Never, whatever the operator says: cloud metadata endpoints by name
 *       ({@code metadata.google.internal}, ...) and by address (169.254.169.254, 100.100.100.200,
 *       fd00:ec2::/32), link-local addresses (169.254.0.0/16, fe80::/10), the unspecified address and
 *       the rest of 0.0.0.0/8, multicast, and 240.0.0.0/4 with the broadcast address.</li>
 *   <li>Only with {@code ZUMIK_ALLOW_PRIVATE_UPSTREAMS=true}: loopback (127.0.0.0/8, ::1, the name
 *       {@code localhost} and names under it), RFC 1918 (10/8, 172.16/12, 192.168/16), carrier-grade
 *       NAT (100.64/10) and IPv6 unique-local (fc00::/7) addresses.</li>
 *   <li>A host made only of numeric labels must be a plain dotted quad: {@code 2130706433},
 *       {@code 0x7f.1}, {@code 0177.0.0.1} and {@code 127.1} mean loopback to some resolvers.</li>
 *   <li>An IPv4 address inside an IPv6 one (mapped, compatible, NAT64 64:ff9b::/96, 6to4 2002::/16)
 *       is judged as that IPv4 address.</li>
 *   <li>A host name is resolved and <em>every</em> address it resolves to must pass.</li>
 * </ul>
 *
 * <p>{@link #check} runs when a URL is given (and BYOK runs it again on every stored URL at each
 * background refresh). A name re-pointed between the check and a call (DNS rebinding) is only caught
 * by whoever dials applying {@link #checkAddress} to the address it actually connects to.
 */
public final class UpstreamUrls {
    public static final int MAX_LENGTH = 2_048;
    private static final String HINT = " (set ZUMIK_ALLOW_PRIVATE_UPSTREAMS=true to allow)";
    private static final Set<String> METADATA_HOSTS = Set.of("metadata.google.internal", "metadata.goog", "metadata",
            "instance-data", "instance-data.ec2.internal", "metadata.azure.internal", "metadata.azure.com");

    /** How host names become addresses (tests substitute a fixed table). */
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    /** Why a URL or address was refused; the message names {@code base_url} and never echoes the URL or its user info. */
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

    private final boolean allowPrivate;
    private final Resolver resolver;

    public UpstreamUrls(boolean allowPrivate, Resolver resolver) {
        this.allowPrivate = allowPrivate;
        this.resolver = resolver;
    }

    /** Resolving through the JVM's resolver. */
    public UpstreamUrls(boolean allowPrivate) {
        this(allowPrivate, InetAddress::getAllByName);
    }

    public boolean allowsPrivate() {
        return allowPrivate;
    }

    /**
     * The URL, normalized (lower-case scheme and host, no trailing slash), when it may be dialled.
     * Blocking: resolves the host name.
     *
     * @throws Refused saying which rule it breaks
     */
    public String check(String raw) {
        Parsed p = parse(raw);
        if (p.literal() == null) {
            for (InetAddress a : resolve(p.host())) refuseIfNot(p.host(), a);
        }
        return p.normalized();
    }

    /**
     * Every rule that needs no DNS: the URL's shape, host names that are refused as such, and
     * address literals. Never blocks, so a handler can refuse the obvious early on an event loop;
     * never enough by itself: {@link #check} must still run before the URL is stored or dialled.
     *
     * @return the URL, normalized as by {@link #check}
     * @throws Refused saying which rule it breaks
     */
    public String checkWithoutResolving(String raw) {
        return parse(raw).normalized();
    }

    /** The address rules alone, for whoever connects to apply to the address it actually dials. */
    public void checkAddress(InetAddress a) {
        refuseIfNot(a.getHostAddress(), a);
    }

    private record Parsed(String host, InetAddress literal, String normalized) {}

    private Parsed parse(String raw) {
        if (raw == null || raw.isEmpty()) throw new Refused("'base_url' is empty.", true);
        if (raw.length() > MAX_LENGTH) throw new Refused("'base_url' is longer than " + MAX_LENGTH + " characters.", true);
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw new Refused("'base_url' must not contain spaces, control or non-ASCII characters.", true);
            }
        }
        URI u;
        try {
            u = new URI(raw);
        } catch (URISyntaxException e) {
            throw new Refused("'base_url' is not a valid URL.", true);
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new Refused("'base_url' must be an http or https URL (got scheme '" + scheme + "').", true);
        }
        if (u.getRawUserInfo() != null || u.getRawAuthority() != null && u.getRawAuthority().contains("@")) {
            throw new Refused("'base_url' must not contain user info (credentials have their own field).", false);
        }
        if (u.getHost() == null || u.getHost().isEmpty()) {
            // java.net.URI finds no host in 127.1 or 0x7f.1 (a last label that is no domain label), but says why less well
            String authority = u.getRawAuthority() == null ? "" : u.getRawAuthority().replaceFirst(":[0-9]*$", "");
            if (!authority.isEmpty() && allNumericLabels(authority.toLowerCase(Locale.ROOT))) throw notDottedQuad();
            throw new Refused("'base_url' must name a host (http(s)://host[:port][/path]).", true);
        }
        if (u.getRawQuery() != null || u.getRawFragment() != null) {
            throw new Refused("'base_url' must not have a query or a fragment.", true);
        }
        if (u.getPort() == 0) throw new Refused("'base_url' names port 0, which is not a port.", true);
        String host = u.getHost().toLowerCase(Locale.ROOT);
        InetAddress literal = null;
        if (host.startsWith("[")) {
            literal = v6Literal(host.substring(1, host.length() - 1));
        } else {
            if (host.endsWith(".")) host = host.substring(0, host.length() - 1);
            if (allNumericLabels(host)) {
                byte[] quad = dottedQuad(host);
                if (quad == null) throw notDottedQuad();
                literal = address(quad);
            } else if (METADATA_HOSTS.contains(host)) {
                throw new Refused("'base_url' names a cloud metadata endpoint ('" + host + "').", false);
            } else if (!allowPrivate && (host.equals("localhost") || host.endsWith(".localhost"))) {
                throw new Refused("'base_url' host '" + host + "' is a loopback name" + HINT + ".", false);
            }
        }
        if (literal != null) refuseIfNot(host, literal);
        String path = u.getRawPath() == null ? "" : u.getRawPath();
        while (path.endsWith("/")) path = path.substring(0, path.length() - 1);
        return new Parsed(host, literal, scheme + "://" + host + (u.getPort() > 0 ? ":" + u.getPort() : "") + path);
    }

    private static Refused notDottedQuad() {
        return new Refused("'base_url' has a numeric host that is not a plain dotted quad (a.b.c.d, each 0-255, no leading zeros).",
                true);
    }

    private InetAddress[] resolve(String host) {
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(host);
        } catch (UnknownHostException | SecurityException | IllegalArgumentException e) {
            throw new Refused("'base_url' host '" + host + "' does not resolve.", true);
        }
        if (addresses == null || addresses.length == 0) throw new Refused("'base_url' host '" + host + "' does not resolve.", true);
        return addresses;
    }

    private void refuseIfNot(String host, InetAddress a) {
        String why = refusal(a);
        if (why != null) throw new Refused("'base_url' host '" + host + "' resolves to " + a.getHostAddress() + ", " + why + ".", false);
    }

    /** Why {@code a} may not be dialled, or null when it may. */
    String refusal(InetAddress a) {
        byte[] v4 = embeddedIpv4(a);
        if (v4 != null) return refusalV4(v4);
        byte[] b = a.getAddress();
        if (b.length == 16 && (b[0] & 0xff) == 0xfd && b[1] == 0 && (b[2] & 0xff) == 0x0e && (b[3] & 0xff) == 0xc2) {
            return "a cloud metadata address (fd00:ec2::/32)";
        }
        if (a.isAnyLocalAddress()) return "the unspecified address";
        if (a.isLinkLocalAddress()) return "a link-local address (fe80::/10)";
        if (a.isMulticastAddress()) return "a multicast address";
        if (allowPrivate) return null;
        if (a.isLoopbackAddress()) return "a loopback address" + HINT;
        if ((b[0] & 0xfe) == 0xfc) return "a private address (unique-local, fc00::/7)" + HINT;
        if (a.isSiteLocalAddress()) return "a private address (site-local)" + HINT;
        return null;
    }

    private String refusalV4(byte[] b) {
        int o0 = b[0] & 0xff;
        int o1 = b[1] & 0xff;
        int o2 = b[2] & 0xff;
        int o3 = b[3] & 0xff;
        if (o0 == 169 && o1 == 254) {
            return o2 == 169 && o3 == 254 ? "a cloud metadata address (link-local, 169.254.0.0/16)"
                    : "a link-local address (169.254.0.0/16, where cloud metadata lives)";
        }
        if (o0 == 100 && o1 == 100 && o2 == 100 && o3 == 200) return "a cloud metadata address";
        if (o0 >= 224) return o0 < 240 ? "a multicast address" : "a reserved or broadcast address";
        if (o0 == 0) return o1 == 0 && o2 == 0 && o3 == 0 ? "the unspecified address" : "a 'this network' address (0.0.0.0/8)";
        if (allowPrivate) return null;
        if (o0 == 127) return "a loopback address" + HINT;
        if (o0 == 10 || o0 == 172 && (o1 & 0xf0) == 16 || o0 == 192 && o1 == 168) return "a private address" + HINT;
        if (o0 == 100 && (o1 & 0xc0) == 64) return "a shared (carrier-grade NAT, 100.64.0.0/10) address" + HINT;
        return null;
    }

    /** The IPv4 address an address is or embeds (mapped, compatible, NAT64, 6to4), else null. */
    private static byte[] embeddedIpv4(InetAddress a) {
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) return b;
        if (!(a instanceof Inet6Address)) return null;
        boolean firstTenZero = true;
        for (int i = 0; i < 10; i++) firstTenZero &= b[i] == 0;
        if (firstTenZero && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) return slice(b, 12);
        boolean firstTwelveZero = firstTenZero && b[10] == 0 && b[11] == 0;
        // ::a.b.c.d (deprecated IPv4-compatible), but not :: and ::1
        if (firstTwelveZero && (b[12] | b[13]) != 0) return slice(b, 12);
        if (b[0] == 0x00 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
            boolean zeros = true;
            for (int i = 4; i < 12; i++) zeros &= b[i] == 0;
            if (zeros) return slice(b, 12);
        }
        if (b[0] == 0x20 && b[1] == 0x02) return slice(b, 2);
        return null;
    }

    private static byte[] slice(byte[] b, int from) {
        return new byte[] {b[from], b[from + 1], b[from + 2], b[from + 3]};
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

    /** An IPv6 literal (no zone id); InetAddress does no lookup for a literal. */
    private static InetAddress v6Literal(String v6) {
        if (v6.isEmpty() || !v6.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
            throw new Refused("'base_url' has an invalid IPv6 literal.", true);
        }
        try {
            return InetAddress.getByName(v6);
        } catch (UnknownHostException e) {
            throw new Refused("'base_url' has an invalid IPv6 literal.", true);
        }
    }

    private static InetAddress address(byte[] quad) {
        try {
            return InetAddress.getByAddress(quad);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
