package ai.zumik.credentials;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Set;

/**
 * Decides whether a customer-supplied upstream base URL may be called (SSRF). It must be
 * {@code http(s)://host[:port][/path]}: no user info, query or fragment. Always refused, whatever
 * the operator says: cloud metadata endpoints (by name and by address), link-local addresses
 * (169.254.0.0/16, fe80::/10), the unspecified address, multicast and broadcast. Refused unless
 * the operator sets {@code ZUMIK_ALLOW_PRIVATE_UPSTREAMS=true}: loopback, RFC 1918, carrier-grade
 * NAT (100.64.0.0/10), 0.0.0.0/8 and IPv6 unique-local (fc00::/7) addresses. The host name is
 * resolved and every address it resolves to is checked; IPv4 addresses embedded in IPv6 ones
 * (mapped, compatible, NAT64 64:ff9b::/96, 6to4 2002::/16) are checked as the IPv4 address.
 *
 * <p>The check runs when a URL is given and again for every stored URL on each background
 * refresh; a name that re-resolves to a refused address between two refreshes (DNS rebinding)
 * is not caught on the request path — see README.
 */
public final class UpstreamUrls {
    static final int MAX_LENGTH = 2_048;
    private static final Set<String> METADATA_HOSTS = Set.of("metadata.google.internal", "metadata.goog", "metadata",
            "instance-data", "instance-data.ec2.internal", "metadata.azure.internal");

    /** How host names become addresses (tests substitute one). */
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    /** Why a URL was refused; the message names {@code base_url} and never the URL's user info. */
    public static final class Refused extends RuntimeException {
        public Refused(String message) {
            super(message, null, false, false);
        }
    }

    private final boolean allowPrivate;
    private final Resolver resolver;

    public UpstreamUrls(boolean allowPrivate, Resolver resolver) {
        this.allowPrivate = allowPrivate;
        this.resolver = resolver;
    }

    public UpstreamUrls(boolean allowPrivate) {
        this(allowPrivate, InetAddress::getAllByName);
    }

    public boolean allowsPrivate() {
        return allowPrivate;
    }

    /**
     * The URL, normalised (no trailing slash), when it may be called. Blocking: resolves the host.
     *
     * @throws Refused saying why not
     */
    public String check(String raw) {
        if (raw.length() > MAX_LENGTH) throw new Refused("'base_url' is longer than " + MAX_LENGTH + " characters.");
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c <= 0x20 || c >= 0x7f) throw new Refused("'base_url' must not contain spaces, control or non-ASCII characters.");
        }
        URI u;
        try {
            u = new URI(raw);
        } catch (URISyntaxException e) {
            throw new Refused("'base_url' is not a valid URL.");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new Refused("'base_url' must be an http or https URL (got scheme '" + scheme + "').");
        }
        if (u.getRawUserInfo() != null || u.getRawAuthority() != null && u.getRawAuthority().contains("@")) {
            throw new Refused("'base_url' must not contain user info (credentials go in 'secret').");
        }
        String host = u.getHost();
        if (host == null || host.isEmpty()) throw new Refused("'base_url' must name a host.");
        if (u.getRawQuery() != null || u.getRawFragment() != null) {
            throw new Refused("'base_url' must not have a query or a fragment.");
        }
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        String name = bare.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) name = name.substring(0, name.length() - 1);
        if (METADATA_HOSTS.contains(name)) throw new Refused("'base_url' names a cloud metadata endpoint ('" + name + "').");
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(bare);
        } catch (UnknownHostException | SecurityException e) {
            throw new Refused("'base_url' host '" + name + "' does not resolve.");
        }
        if (addresses == null || addresses.length == 0) throw new Refused("'base_url' host '" + name + "' does not resolve.");
        for (InetAddress a : addresses) {
            String why = refusal(a);
            if (why != null) {
                throw new Refused("'base_url' host '" + name + "' resolves to " + a.getHostAddress() + ", " + why + ".");
            }
        }
        String s = u.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    /** Why {@code a} may not be called, or null when it may. */
    String refusal(InetAddress a) {
        byte[] v4 = embeddedIpv4(a);
        if (v4 != null) return refusalV4(v4);
        byte[] b = a.getAddress();
        if (isMetadataV6(b)) return "a cloud metadata address";
        if (a.isAnyLocalAddress()) return "the unspecified address";
        if (a.isLinkLocalAddress()) return "a link-local address";
        if (a.isMulticastAddress()) return "a multicast address";
        if (allowPrivate) return null;
        if (a.isLoopbackAddress()) return "a loopback address (set ZUMIK_ALLOW_PRIVATE_UPSTREAMS=true to allow)";
        if ((b[0] & 0xfe) == 0xfc || a.isSiteLocalAddress()) {
            return "a private address (set ZUMIK_ALLOW_PRIVATE_UPSTREAMS=true to allow)";
        }
        return null;
    }

    private String refusalV4(byte[] b) {
        int o0 = b[0] & 0xff;
        int o1 = b[1] & 0xff;
        if (o0 == 169 && o1 == 254) {
            return (b[2] & 0xff) == 169 && (b[3] & 0xff) == 254 ? "a cloud metadata address" : "a link-local address";
        }
        if (o0 == 100 && o1 == 100 && (b[2] & 0xff) == 100 && (b[3] & 0xff) == 200) return "a cloud metadata address";
        if (o0 >= 224) return o0 < 240 ? "a multicast address" : "a reserved or broadcast address";
        if (o0 == 0 && o1 == 0 && b[2] == 0 && b[3] == 0) return "the unspecified address";
        if (allowPrivate) return null;
        String hint = " (set ZUMIK_ALLOW_PRIVATE_UPSTREAMS=true to allow)";
        if (o0 == 127) return "a loopback address" + hint;
        if (o0 == 0) return "a 'this network' address" + hint;
        if (o0 == 10 || o0 == 172 && (o1 & 0xf0) == 16 || o0 == 192 && o1 == 168) return "a private address" + hint;
        if (o0 == 100 && (o1 & 0xc0) == 64) return "a shared (carrier-grade NAT) address" + hint;
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
        if (firstTwelveZero && ((b[12] | b[13]) != 0)) return slice(b, 12);
        if ((b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
            boolean zeros = true;
            for (int i = 4; i < 12; i++) zeros &= b[i] == 0;
            if (zeros) return slice(b, 12);
        }
        if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x02) return slice(b, 2);
        return null;
    }

    private static byte[] slice(byte[] b, int from) {
        return new byte[] {b[from], b[from + 1], b[from + 2], b[from + 3]};
    }

    /** fd00:ec2::254, AWS's IPv6 instance metadata address. */
    private static boolean isMetadataV6(byte[] b) {
        if (b.length != 16) return false;
        byte[] m = {(byte) 0xfd, 0, 0x0e, (byte) 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54};
        return java.util.Arrays.equals(b, m);
    }
}
