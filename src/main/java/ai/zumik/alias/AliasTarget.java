package ai.zumik.alias;

import ai.zumik.inference.ExecutionProfile;
import ai.zumik.provider.ProviderId;

/** One weighted target of an alias release: a provider's model at a revision, under a profile. */
public record AliasTarget(ExecutionProfile profile, ProviderId provider, String model, String modelRevision, int weight) {}
