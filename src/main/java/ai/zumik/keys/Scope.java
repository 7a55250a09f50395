package ai.zumik.keys;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * What a key may do. {@code admin} also satisfies {@code read}; nothing implies {@code inference}.
 * {@code platform} is the operator's: create projects, set their limits, grant credit. Only keys of
 * the default project hold it (the bootstrap key, and keys a platform key mints there).
 */
public enum Scope {
    INFERENCE, READ, ADMIN, PLATFORM;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Scope parse(String s) {
        return switch (s) {
            case "inference" -> INFERENCE;
            case "read" -> READ;
            case "admin" -> ADMIN;
            case "platform" -> PLATFORM;
            default -> throw new IllegalArgumentException(s);
        };
    }

    /** True when a key holding {@code granted} may call an endpoint requiring {@code this}. */
    public boolean satisfiedBy(Set<Scope> granted) {
        return granted.contains(this) || (this == READ && granted.contains(ADMIN));
    }

    public static String join(Set<Scope> scopes) {
        StringBuilder sb = new StringBuilder();
        for (Scope s : scopes) {
            if (!sb.isEmpty()) sb.append(',');
            sb.append(s.wire());
        }
        return sb.toString();
    }

    public static Set<Scope> split(String joined) {
        EnumSet<Scope> out = EnumSet.noneOf(Scope.class);
        for (String s : joined.split(",")) if (!s.isEmpty()) out.add(parse(s));
        return out;
    }
}
