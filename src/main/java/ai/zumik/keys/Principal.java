package ai.zumik.keys;

import java.util.Set;

/** The authenticated caller: which key, in which project, allowed to do what, within which limits. */
public record Principal(String keyId, String projectId, Set<Scope> scopes, Quotas quotas) {
    public boolean may(Scope required) {
        return required.satisfiedBy(scopes);
    }
}
