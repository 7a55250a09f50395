package ai.zumik.region;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A project's data-residency policy. The allow-list is the union of the zone {@code region_policy}
 * names ({@code us_only}/{@code us} → {@code us}, {@code eu_only}/{@code eu} → {@code eu};
 * {@code global}/{@code any} add nothing) and {@code allowed_regions}; an empty allow-list means
 * no restriction. {@code data_boundary} {@code strict} or {@code no_openrouter} keeps the request
 * off the OpenRouter bridge, whose serving zone is unknown.
 *
 * @param id {@code rgn_…}, new at every install; null for {@link #NONE}
 */
public record RegionalPolicy(String id, String projectId, String regionPolicy, List<String> allowedRegions,
                             String dataBoundary, long updatedAtMs, Set<String> allowList) {

    public static final Set<String> REGION_POLICIES = Set.of("us_only", "eu_only", "global", "any", "us", "eu");
    public static final Set<String> ZONES = Set.of("us", "eu", "global");
    public static final Set<String> DATA_BOUNDARIES = Set.of("project", "strict", "no_openrouter");

    /** No policy installed: every zone allowed, the operator's bridge setting decides. */
    public static final RegionalPolicy NONE = new RegionalPolicy(null, null, "any", List.of(), "project", 0, Set.of());

    public RegionalPolicy {
        allowedRegions = List.copyOf(allowedRegions);
        allowList = Set.copyOf(allowList);
    }

    /** A validated policy; the values must come from {@link #REGION_POLICIES}, {@link #ZONES}, {@link #DATA_BOUNDARIES}. */
    public static RegionalPolicy of(String id, String projectId, String regionPolicy, List<String> allowedRegions,
                                    String dataBoundary, long updatedAtMs) {
        Set<String> allow = new LinkedHashSet<>();
        switch (regionPolicy) {
            case "us_only", "us" -> allow.add("us");
            case "eu_only", "eu" -> allow.add("eu");
            default -> { } // global, any: no restriction of their own
        }
        for (String r : allowedRegions) allow.add(r.toLowerCase(Locale.ROOT));
        return new RegionalPolicy(id, projectId, regionPolicy, allowedRegions, dataBoundary, updatedAtMs, allow);
    }

    /** Whether a target serving in {@code zone} may be used. */
    public boolean allows(String zone) {
        return allowList.isEmpty() || allowList.contains(zone);
    }

    /** Whether the data boundary lets a request leave through the OpenRouter bridge. */
    public boolean openRouterAllowed() {
        return dataBoundary.equals("project");
    }
}
