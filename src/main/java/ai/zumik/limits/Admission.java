package ai.zumik.limits;

/** What governance made of a request: a {@link Permit} to run, or a {@link Refusal}. */
public sealed interface Admission permits Permit, Refusal {}
