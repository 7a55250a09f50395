#!/usr/bin/env bash
# What governance costs on the hot path (issue 11), in one run on one machine: the bare Vert.x
# proxy, Zumik with no limits, Zumik with every governance check on and counted in memory, and the
# same with the counters in Redis. "On" means five slots per request: the key's and the project's
# requests+tokens windows (so every prompt is tokenized), the global window, the key's budget and
# the project's monthly cap (so every request is priced before and after).
#
#   bench/governance.sh                         # ~6 minutes, writes bench/out/governance.md
#   DURATION=8 WARM=30 ROUNDS=2 bench/governance.sh
#   PORT_BASE=19600 bench/governance.sh         # every port moved (default 19300)
#
# CPU per request: each process's user+system time (/proc/PID/stat) over a wrk window divided by
# the requests it completed, in alternating rounds. Latency: one open-loop generator at RATE req/s
# giving each path 1-s slices in turn, so a noisy spell lands on every path alike.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$root/bench/out"
source "$root/bench/common.sh"
mkdir -p "$out"
duration=${DURATION:-12}
warm=${WARM:-60}
rounds=${ROUNDS:-3}
rate=${RATE:-1000}
java_home=$("$root/bin/java-home" 25)
java="$java_home/bin/java --enable-native-access=ALL-UNNAMED"
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null); fi
  command -v wrk >/dev/null || { echo "bench: wrk is required (apt-get install wrk)" >&2; exit 1; }
fi
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { echo "bench: Redis must run on 127.0.0.1:6379" >&2; exit 1; }

echo "bench: building" >&2
(cd "$root" && mvn -q -B -ntp -DskipTests package)
jar=$(pinned_jar "$root/target/zumik.jar" governance) # the servers run this copy (ZUMIK_JAR)
mkdir -p "$out/classes"
"$java_home/bin/javac" -nowarn -cp "$jar" -d "$out/classes" "$root"/bench/src/*.java
cp="$jar:$out/classes"

# PORT_BASE moves every port (upstream at the base, the servers 80-90 above it) off those of another run.
base=${PORT_BASE:-19300}
up=$base; bare=$((base + 90)); off=$((base + 80)); local=$((base + 81)); shared=$((base + 82))
key="zk_live_GOVERNgovernGOVERNgovernGOVERN12"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

cat > "$out/governance-limits.yaml" <<YAML
limits:
  key: {rpm: 100000000, tpm: 10000000000}
  project: {rpm: 100000000, tpm: 10000000000}
YAML
$java -Xms64m -Xmx256m -cp "$cp" BenchUpstream $up 20 0 1 > "$out/gov-upstream.log" 2>&1 & pids+=($!)
$java -XX:+UseCompactObjectHeaders -Xms256m -Xmx512m -cp "$cp" BareProxy $bare $up > "$out/gov-bare.log" 2>&1 & pids+=($!); barepid=$!
start_zumik() { # port data-dir extra-env...
  local port=$1 data=$2; shift 2
  rm -rf "$data"
  env ZUMIK_BOOTSTRAP_KEY=$key OPENAI_BASE_URL="http://127.0.0.1:$up/v1" OPENAI_API_KEY=sk-bench ZUMIK_ACCESS_LOG="$data/access.log" \
    ZUMIK_JAR="$jar" "$@" "$root/bin/zumik" serve --port "$port" --data-dir "$data" > "$data.log" 2>&1 &
  pids+=($!)
}
start_zumik $off "$out/gov-off"
start_zumik $local "$out/gov-local" ZUMIK_CONFIG="$out/governance-limits.yaml" ZUMIK_GLOBAL_RPM=100000000
start_zumik $shared "$out/gov-redis" ZUMIK_CONFIG="$out/governance-limits.yaml" ZUMIK_GLOBAL_RPM=100000000 \
  ZUMIK_REDIS_URL=redis://127.0.0.1:6379 ZUMIK_REDIS_PREFIX="zumik_bench_$$"
for p in $bare $off $local $shared; do
  for _ in $(seq 1 150); do curl -s -o /dev/null "http://127.0.0.1:$p/healthz" && break; sleep 0.2; done
done
for p in $local $shared; do # a key budget and a monthly cap, far from reached
  id=$(curl -s "http://127.0.0.1:$p/v2/api-keys" -H "Authorization: Bearer $key" | sed 's/.*"id":"\(key_[a-z0-9]*\)".*/\1/')
  curl -s -o /dev/null -X PATCH "http://127.0.0.1:$p/v2/api-keys/$id" -H "Authorization: Bearer $key" -d '{"budget_micros":1000000000000000}'
  curl -s -o /dev/null "http://127.0.0.1:$p/v2/billing/budget" -H "Authorization: Bearer $key" -d '{"monthly_budget_usd":1000000000}'
done
pid_of() { pgrep -f "zumik.jar serve --port $1" | head -n1; }
offpid=$(pid_of $off); localpid=$(pid_of $local); sharedpid=$(pid_of $shared)

body='{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a benchmark."},{"role":"user","content":"Say something short about foxes."}]}'
{ echo 'wrk.method = "POST"'; echo "wrk.body = '$body'"; echo 'wrk.headers["Content-Type"] = "application/json"'
  echo "wrk.headers[\"Authorization\"] = \"Bearer $key\""; } > "$out/gov.lua"
tck=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
url() { echo "http://127.0.0.1:$1/v1/chat/completions"; }
wrk_run() { # label port pid seconds
  local c0 c1 reqs
  c0=$(cpu_ticks "$3")
  wrk -t2 -c64 -d"${4}s" --latency -s "$out/gov.lua" "$(url "$2")" > "$out/gov-wrk-$1.txt"
  c1=$(cpu_ticks "$3")
  reqs=$(awk '/requests in/{print $1}' "$out/gov-wrk-$1.txt")
  echo "| $1 | $(awk '/Requests\/sec/{printf "%d", $2}' "$out/gov-wrk-$1.txt") | $(awk '/ 50%/{print $2}' "$out/gov-wrk-$1.txt") | $(awk '/ 99%/{print $2}' "$out/gov-wrk-$1.txt") | $(awk -v a="$c0" -v b="$c1" -v n="$reqs" -v t="$tck" 'BEGIN{printf "%.1f", (b-a)/t*1e6/n}') |"
}

echo "bench: warm-up (${warm}s each)" >&2
for p in $bare $off $local $shared; do wrk -t2 -c64 -d"${warm}s" -s "$out/gov.lua" "$(url $p)" >/dev/null; done
echo "bench: throughput, $rounds alternating rounds of ${duration}s" >&2
rows=()
for r in $(seq 1 "$rounds"); do
  rows+=("$(wrk_run "bare-proxy-round$r" $bare "$barepid" "$duration")")
  rows+=("$(wrk_run "zumik-limits-off-round$r" $off "$offpid" "$duration")")
  rows+=("$(wrk_run "zumik-limits-local-round$r" $local "$localpid" "$duration")")
  rows+=("$(wrk_run "zumik-limits-redis-round$r" $shared "$sharedpid" "$duration")")
done
echo "bench: latency at $rate req/s, paths interleaved" >&2
lat=$($java -Dlabels=bare-proxy,limits-off,limits-local,limits-redis -cp "$cp" LoadGen \
  "$(url $bare),$(url $off),$(url $local),$(url $shared)" "$rate" "$duration" plain "$key,$key,$key,$key")
refused=$(for p in $local $shared; do curl -s "http://127.0.0.1:$p/metrics" | grep -E '^zumik_limits_(rejected|redis_fallbacks)' ; done)
{
  echo "# Governance on the hot path"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "- machine: $(nproc) vCPU ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)), Linux $(uname -r), $($java -version 2>&1 | head -n1)"
  echo "- command: \`DURATION=$duration WARM=$warm ROUNDS=$rounds RATE=$rate bench/governance.sh\`"
  echo
  echo "| run | req/s | p50 | p99 | process CPU µs/req |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "## Latency at $rate req/s (open loop, interleaved; µs)"
  echo
  echo "$lat" | sed -e 's/^{"\([a-z-]*\)":/- \1: `/' -e 's/},"\([a-z-]*\)":{/}`\n- \1: `{/g' -e 's/}}$/}`/'
  echo
  echo "## Refusals and Redis fallbacks (must be 0)"
  echo
  echo '```'
  echo "$refused"
  echo '```'
  echo
  echo "## Zumik's own overhead (/metrics: count, sum in seconds)"
  echo
  echo "- limits off: $(overhead $off)"
  echo "- limits local: $(overhead $local)"
  echo "- limits redis: $(overhead $shared)"
} > "$out/governance.md"
cat "$out/governance.md"
