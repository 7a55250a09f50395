# Helpers every bench script shares, with no side effects (lib.sh adds wrk, process management and
# CPU accounting for the scripts that compare variants). Source it after setting `root`; it sets
# `out` (bench/out) when the script has not.

out=${out:-"$root/bench/out"}
mkdir -p "$out"

# A copy of a built jar for one bench's servers to run (its name still ends in zumik.jar, which the
# pgrep patterns look for), so that a rebuild of target/zumik.jar during the run — bin/zumik and the
# tests rebuild it when a source is newer — cannot pull classes from under the running JVMs.
pinned_jar() { # jar name
  cp "$1" "$out/$2-zumik.jar"
  echo "$out/$2-zumik.jar"
}

metrics() { curl -s "http://127.0.0.1:$1/metrics"; } # port: one /metrics snapshot
# port: the count and sum of Zumik's own overhead on /v1/chat/completions so far, as one line
overhead() { curl -s "http://127.0.0.1:$1/metrics" | grep -E 'zumik_overhead_seconds_(count|sum)\{route="/v1/chat/completions"' | tr '\n' ' '; }

# Zumik's own overhead for a route between two /metrics snapshots: p50, p99, mean (bench/window-overhead.awk).
window_overhead() { # metrics-before metrics-after route
  { echo "$1" | sed 's/^/B /'; echo "$2" | sed 's/^/A /'; } | awk -v r="$3" -f "$root/bench/window-overhead.awk"
}
