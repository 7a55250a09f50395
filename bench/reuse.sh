#!/usr/bin/env bash
# What reuse accounting costs on the hot path (issue 14), in one run on one machine: the bare Vert.x
# proxy, Zumik with ZUMIK_REUSE_ACCOUNTING=off and Zumik with it on. The request is an agent's:
# 8 KiB of stable instructions, a 4-tool list, a short history and a new user turn, so every answer
# fingerprints ~10 KiB of prompt at 6 block boundaries and settles its account.
#
#   bench/reuse.sh                          # ~4 minutes, writes bench/out/reuse.md
#   DURATION=8 WARM=20 ROUNDS=2 bench/reuse.sh
#
# CPU per request: each process's user+system time (/proc/PID/stat) over a wrk window divided by
# the requests it completed, in alternating rounds; plus Zumik's own overhead histogram.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$root/bench/out"
mkdir -p "$out"
duration=${DURATION:-12}
warm=${WARM:-30}
rounds=${ROUNDS:-3}
java_home=$("$root/bin/java-home" 25)
java="$java_home/bin/java --enable-native-access=ALL-UNNAMED"
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null); fi
  command -v wrk >/dev/null || { echo "bench: wrk is required (apt-get install wrk)" >&2; exit 1; }
fi

echo "bench: building" >&2
(cd "$root" && mvn -q -B -ntp -DskipTests package)
jar="$root/target/zumik.jar"
mkdir -p "$out/classes"
"$java_home/bin/javac" -nowarn -cp "$jar" -d "$out/classes" "$root"/bench/src/*.java
cp="$jar:$out/classes"

up=19400; bare=19490; off=19480; on=19481
key="zk_live_REUSEreuseREUSEreuseREUSEreuse12"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

$java -Xms64m -Xmx256m -cp "$cp" BenchUpstream $up 20 0 1 > "$out/reuse-upstream.log" 2>&1 & pids+=($!)
$java -XX:+UseCompactObjectHeaders -Xms256m -Xmx512m -cp "$cp" BareProxy $bare $up > "$out/reuse-bare.log" 2>&1 & pids+=($!); barepid=$!
start_zumik() { # port data-dir extra-env...
  local port=$1 data=$2; shift 2
  rm -rf "$data"
  env ZUMIK_BOOTSTRAP_KEY=$key OPENAI_BASE_URL="http://127.0.0.1:$up/v1" OPENAI_API_KEY=sk-bench ZUMIK_ACCESS_LOG="$data/access.log" \
    "$@" "$java_home/bin/java" -XX:+UseCompactObjectHeaders --enable-native-access=ALL-UNNAMED -jar "$jar" serve --port "$port" \
    --data-dir "$data" > "$data.log" 2>&1 &
  pids+=($!)
}
start_zumik $off "$out/reuse-off" ZUMIK_REUSE_ACCOUNTING=off
start_zumik $on "$out/reuse-on" ZUMIK_REUSE_ACCOUNTING=on
for p in $bare $off $on; do
  for _ in $(seq 1 150); do curl -s -o /dev/null "http://127.0.0.1:$p/healthz" && break; sleep 0.2; done
done
pid_of() { pgrep -f "zumik.jar serve --port $1" | head -n1; }
offpid=$(pid_of $off); onpid=$(pid_of $on)

policy=$(printf 'You review Java code for a bank; flag every unchecked exception and every mutable static. %.0s' $(seq 1 90))
tools='[{"type":"function","function":{"name":"read_file","description":"Read a file","parameters":{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}}},{"type":"function","function":{"name":"grep","description":"Search the tree","parameters":{"type":"object","properties":{"pattern":{"type":"string"}},"required":["pattern"]}}},{"type":"function","function":{"name":"run_tests","description":"Run the suite","parameters":{"type":"object","properties":{}}}},{"type":"function","function":{"name":"write_file","description":"Write a file","parameters":{"type":"object","properties":{"path":{"type":"string"},"content":{"type":"string"}},"required":["path","content"]}}}]'
body="{\"model\":\"gpt-4o-mini\",\"tools\":$tools,\"messages\":[{\"role\":\"system\",\"content\":\"$policy\"},{\"role\":\"user\",\"content\":\"Review Foo.java\"},{\"role\":\"assistant\",\"content\":\"Reading it.\"},{\"role\":\"user\",\"content\":\"It is in src/main.\"},{\"role\":\"assistant\",\"content\":\"Found two issues.\"},{\"role\":\"user\",\"content\":\"List them.\"}]}"
printf '%s' "$body" > "$out/reuse-body.json"
{ echo 'wrk.method = "POST"'; echo 'local f = io.open("'"$out/reuse-body.json"'", "r"); wrk.body = f:read("*a"); f:close()'
  echo 'wrk.headers["Content-Type"] = "application/json"'
  echo "wrk.headers[\"Authorization\"] = \"Bearer $key\""; } > "$out/reuse.lua"
tck=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
url() { echo "http://127.0.0.1:$1/v1/chat/completions"; }
wrk_run() { # label port pid seconds
  local c0 c1 reqs
  c0=$(cpu_ticks "$3")
  wrk -t2 -c64 -d"${4}s" --latency -s "$out/reuse.lua" "$(url "$2")" > "$out/reuse-wrk-$1.txt"
  c1=$(cpu_ticks "$3")
  reqs=$(awk '/requests in/{print $1}' "$out/reuse-wrk-$1.txt")
  echo "| $1 | $(awk '/Requests\/sec/{printf "%d", $2}' "$out/reuse-wrk-$1.txt") | $(awk '/ 50%/{print $2}' "$out/reuse-wrk-$1.txt") | $(awk '/ 99%/{print $2}' "$out/reuse-wrk-$1.txt") | $(awk -v a="$c0" -v b="$c1" -v n="$reqs" -v t="$tck" 'BEGIN{printf "%.1f", (b-a)/t*1e6/n}') |"
}
# The first answer proves accounting is on: its /v2 record carries a prefix family.
check=$(curl -s -D - -o /dev/null "$(url $on)" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  --data-binary @"$out/reuse-body.json" | tr -d '\r' | awk -F': ' 'tolower($1)=="agent-response-id"{print $2}')
family=$(curl -s "http://127.0.0.1:$on/v2/responses/$check" -H "Authorization: Bearer $key" | sed -n 's/.*"prefix_family_id":"\(pf_[0-9a-f]*\)".*/\1/p')
[ -n "$family" ] || { echo "bench: reuse accounting did not run on the 'on' instance" >&2; exit 1; }

echo "bench: warm-up (${warm}s each)" >&2
for p in $bare $off $on; do wrk -t2 -c64 -d"${warm}s" -s "$out/reuse.lua" "$(url $p)" >/dev/null; done
echo "bench: throughput, $rounds alternating rounds of ${duration}s" >&2
rows=()
for r in $(seq 1 "$rounds"); do
  rows+=("$(wrk_run "bare-proxy-round$r" $bare "$barepid" "$duration")")
  rows+=("$(wrk_run "zumik-reuse-off-round$r" $off "$offpid" "$duration")")
  rows+=("$(wrk_run "zumik-reuse-on-round$r" $on "$onpid" "$duration")")
done
overhead() { curl -s "http://127.0.0.1:$1/metrics" | grep -E 'zumik_overhead_seconds_(count|sum)\{route="/v1/chat/completions"' | tr '\n' ' '; }
{
  echo "# Reuse accounting on the hot path"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "- machine: $(nproc) vCPU ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)), Linux $(uname -r), $($java -version 2>&1 | head -n1)"
  echo "- command: \`DURATION=$duration WARM=$warm ROUNDS=$rounds bench/reuse.sh\`"
  echo "- request: $(wc -c < "$out/reuse-body.json") bytes (8 KiB instructions, 4 tools, 5 turns); prefix family on: $family"
  echo
  echo "| run | req/s | p50 | p99 | process CPU µs/req |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "## Zumik's own overhead (/metrics: count, sum in seconds)"
  echo
  echo "- reuse off: $(overhead $off)"
  echo "- reuse on: $(overhead $on)"
} > "$out/reuse.md"
cat "$out/reuse.md"
