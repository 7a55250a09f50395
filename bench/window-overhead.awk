# Zumik's own overhead for one route over a window: p50 and p99 (the upper bound of the bucket the
# quantile falls in) and the exact mean, from two /metrics snapshots fed in as lines prefixed "B "
# (before) and "A " (after), so a number covers only the window between them:
#   { echo "$before" | sed 's/^/B /'; echo "$after" | sed 's/^/A /'; } | awk -v r=ROUTE -f window-overhead.awk
{ side = $1; line = substr($0, 3) }
index(line, "zumik_overhead_seconds_bucket{route=\"" r "\"") == 1 {
  match(line, /le="[^"]*"/); le = substr(line, RSTART + 4, RLENGTH - 5)
  if (side == "A") { n++; les[n] = le; after[le] = $NF } else before[le] = $NF
}
index(line, "zumik_overhead_seconds_sum{route=\"" r "\"}") == 1 { sum[side] = $NF }
END {
  total = after["+Inf"] - before["+Inf"]; if (total <= 0) { print "no samples"; exit }
  for (q = 1; q <= 2; q++) { want = (q == 1 ? 0.5 : 0.99) * total
    for (i = 1; i <= n; i++) if (after[les[i]] - before[les[i]] >= want) { v[q] = les[i]; break } }
  printf "p50 <= %s µs, p99 <= %s µs, mean %.0f µs (%d requests)", (v[1] == "+Inf" ? "inf" : v[1] * 1e6),
    (v[2] == "+Inf" ? "inf" : v[2] * 1e6), (sum["A"] - sum["B"]) / total * 1e6, total
}
