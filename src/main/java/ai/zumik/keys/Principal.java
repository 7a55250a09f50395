package ai.zumik.keys;

import java.util.Set;

/** The authenticated caller: which key, in which project, allowed to do what. */
public record Principal(String keyId, String projectId, Set<Scope> scopes) {
    public boolean may(Scope required) {
        return required.satisfiedBy(scopes);
    }
}
