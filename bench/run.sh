#!/usr/bin/env bash
# End-to-end overhead benchmark. In one run, on one machine: a fast fake OpenAI upstream, the same
# load sent directly to it, through a bare Vert.x proxy (the baseline the budget is stated
# against: parse, rewrite model, forward, relay) and through Zumik with auth, metering (durable
# group commit), access log, metrics and headers all on.
#
#   bench/run.sh                 # full run (~11 minutes), writes bench/out/report.md
#   DURATION=8 WARM=30 bench/run.sh   # quicker, noisier
#
# CPU per request is the process's own user+system time (/proc/PID/stat) over the window divided
# by completed requests. The JVMs need a long warm-up on 2 cores (C2 keeps compiling for about a
# minute under load), so every process is warmed before anything is measured, and throughput is
# measured in alternating rounds (bare, Zumik, bare, Zumik, ...) and reported per round.
# Needs wrk (installed with apt-get when missing and running as root).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$root/bench/out"
source "$root/bench/common.sh"
mkdir -p "$out"
duration=${DURATION:-12}
warm=${WARM:-75}
rounds=${ROUNDS:-3}
rate=${RATE:-1000}
java_home=$("$root/bin/java-home" 25)
java="$java_home/bin/java --enable-native-access=ALL-UNNAMED"
jvm_opts="-XX:+UseCompactObjectHeaders -Xms256m -Xmx512m"

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null); fi
  command -v wrk >/dev/null || { echo "bench: wrk is required (apt-get install wrk)" >&2; exit 1; }
fi

echo "bench: building" >&2
(cd "$root" && mvn -q -B -ntp -DskipTests package)
jar=$(pinned_jar "$root/target/zumik.jar" bench)
mkdir -p "$out/classes"
"$java_home/bin/javac" -nowarn -cp "$jar" -d "$out/classes" "$root"/bench/src/*.java
cp="$jar:$out/classes"

up=19100; up_slow=19101; gw=19180; gw_slow=19181; gw_gc=19182; bare=19190; bare_slow=19191
key="zk_live_BENCHbenchBENCHbenchBENCHbench12"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# Upstreams: instant (throughput, added latency) and 20 chunks 5 ms apart (TTFT, chunk gaps).
$java -Xms64m -Xmx256m -cp "$cp" BenchUpstream $up 20 0 1 > "$out/upstream.log" 2>&1 & pids+=($!)
$java -Xms64m -Xmx256m -cp "$cp" BenchUpstream $up_slow 20 5 1 > "$out/upstream-slow.log" 2>&1 & pids+=($!)
$java $jvm_opts -cp "$cp" BareProxy $bare $up > "$out/bare.log" 2>&1 & pids+=($!); barepid=$!
$java $jvm_opts -cp "$cp" BareProxy $bare_slow $up_slow > "$out/bare-slow.log" 2>&1 & pids+=($!)
start_zumik() { # port upstream-port data-dir [usage-journal on|off]
  rm -rf "$3"
  ZUMIK_USAGE_JOURNAL=${4:-on} ZUMIK_BOOTSTRAP_KEY=$key OPENAI_BASE_URL="http://127.0.0.1:$2/v1" OPENAI_API_KEY=sk-bench \
  ZUMIK_ACCESS_LOG="$3/access.log" ZUMIK_JAR="$jar" \
    "$root/bin/zumik" serve --port "$1" --data-dir "$3" > "$3.log" 2>&1 &
  pids+=($!)
}
start_zumik $gw $up "$out/data"
start_zumik $gw_slow $up_slow "$out/data-slow"
start_zumik $gw_gc $up "$out/data-group-commit" off # the same Zumik waiting for each SQLite commit
for p in $gw $gw_slow $gw_gc $bare $bare_slow; do
  for _ in $(seq 1 150); do curl -s -o /dev/null "http://127.0.0.1:$p/healthz" && break; sleep 0.2; done
done
gwpid=$(pgrep -f "zumik.jar serve --port $gw" | head -n1)

body='{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a benchmark."},{"role":"user","content":"Say something short about foxes."}]}'
sbody='{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"system","content":"You are a benchmark."},{"role":"user","content":"Say something short about foxes."}]}'
mklua() { # file body with-auth
  { echo 'wrk.method = "POST"'; echo "wrk.body = '$2'"; echo 'wrk.headers["Content-Type"] = "application/json"'
    if [ "$3" = auth ]; then echo "wrk.headers[\"Authorization\"] = \"Bearer $key\""; fi; } > "$1"
}
mklua "$out/plain-gw.lua" "$body" auth; mklua "$out/plain-up.lua" "$body" none
mklua "$out/stream-gw.lua" "$sbody" auth; mklua "$out/stream-up.lua" "$sbody" none
rbody='{"model":"gpt-4o-mini","store":false,"instructions":"You are a benchmark.","input":"Say something short about foxes."}'
mklua "$out/resp-gw.lua" "$rbody" auth; mklua "$out/resp-up.lua" "$rbody" none
tck=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_mb() { awk '/VmRSS/{printf "%d", $2/1024}' "/proc/$1/status"; }
url() { echo "http://127.0.0.1:$1/v1/chat/completions"; }
rurl() { echo "http://127.0.0.1:$1/v1/responses"; }
wrk_run() { # label port lua pid|- seconds [url-function]
  local c0=0 c1=0 reqs rps p50 p99 cpu="-"
  [ "$4" != - ] && c0=$(cpu_ticks "$4")
  wrk -t2 -c64 -d"${5}s" --latency -s "$out/$3.lua" "$(${6:-url} "$2")" > "$out/wrk-$1.txt"
  [ "$4" != - ] && c1=$(cpu_ticks "$4")
  reqs=$(awk '/requests in/{print $1}' "$out/wrk-$1.txt")
  rps=$(awk '/Requests\/sec/{printf "%d", $2}' "$out/wrk-$1.txt")
  p50=$(awk '/ 50%/{print $2}' "$out/wrk-$1.txt"); p99=$(awk '/ 99%/{print $2}' "$out/wrk-$1.txt")
  [ "$4" != - ] && cpu=$(awk -v a="$c0" -v b="$c1" -v n="$reqs" -v t="$tck" 'BEGIN{printf "%.1f", (b-a)/t*1e6/n}')
  echo "| $1 | $rps | $p50 | $p99 | $cpu |"
}

echo "bench: warm-up (${warm}s bare, $((warm + 30))s Zumik, streams)" >&2
wrk -t2 -c64 -d"${warm}s" -s "$out/plain-up.lua" "$(url $bare)" >/dev/null
wrk -t2 -c64 -d"$((warm + 30))s" -s "$out/plain-gw.lua" "$(url $gw)" >/dev/null
wrk -t2 -c64 -d"${warm}s" -s "$out/plain-gw.lua" "$(url $gw_gc)" >/dev/null
wrk -t2 -c64 -d20s -s "$out/stream-gw.lua" "$(url $gw)" >/dev/null
wrk -t2 -c64 -d20s -s "$out/stream-up.lua" "$(url $bare)" >/dev/null
$java -Dwarmup=20 -cp "$cp" LoadGen "$(url $gw_slow)" 200 5 stream $key >/dev/null
$java -Dwarmup=20 -cp "$cp" LoadGen "$(url $bare_slow)" 200 5 stream >/dev/null
wrk -t2 -c64 -d20s -s "$out/resp-gw.lua" "$(rurl $gw)" >/dev/null
wrk -t2 -c64 -d20s -s "$out/resp-up.lua" "$(rurl $bare)" >/dev/null
$java -Dwarmup=10 -cp "$cp" LoadGen "$(rurl $gw_slow),$(rurl $bare_slow)" 200 3 stream "$key,-" >/dev/null

echo "bench: throughput, $rounds alternating rounds of ${duration}s" >&2
rows=()
rows+=("$(wrk_run direct "$up" plain-up - "$duration")")
for r in $(seq 1 "$rounds"); do
  rows+=("$(wrk_run "bare-proxy-round$r" "$bare" plain-up "$barepid" "$duration")")
  rows+=("$(wrk_run "zumik-round$r" "$gw" plain-gw "$gwpid" "$duration")")
done
rss_plain=$(rss_mb "$gwpid")
srows=()
srows+=("$(wrk_run direct-stream "$up" stream-up - "$duration")")
srows+=("$(wrk_run bare-proxy-stream "$bare" stream-up "$barepid" "$duration")")
srows+=("$(wrk_run zumik-stream "$gw" stream-gw "$gwpid" "$duration")")
rss_stream=$(rss_mb "$gwpid")
rrows=()
for r in $(seq 1 "$rounds"); do
  rrows+=("$(wrk_run "bare-proxy-responses-round$r" "$bare" resp-up "$barepid" "$duration" rurl)")
  rrows+=("$(wrk_run "zumik-responses-round$r" "$gw" resp-gw "$gwpid" "$duration" rurl)")
done

# Latency: one open-loop generator per shape, giving each path 1-s slices in turn at the same
# rate, so a noisy spell on the shared VM lands on every path alike (DURATION seconds per path).
echo "bench: latency at $rate req/s, paths interleaved (open loop, ${duration}s per path after 5s unrecorded)" >&2
m0=$(metrics $gw)
lat=$($java -Dlabels=direct,bare-proxy,zumik,zumik-group-commit -cp "$cp" LoadGen \
  "$(url $up),$(url $bare),$(url $gw),$(url $gw_gc)" "$rate" "$duration" plain "-,-,$key,$key")
echo "bench: streaming at 200 streams/s, paths interleaved (20 chunks 5 ms apart)" >&2
m1=$(metrics $gw); s0=$(metrics $gw_slow)
strm=$($java -Dlabels=direct,bare-proxy,zumik -cp "$cp" LoadGen \
  "$(url $up_slow),$(url $bare_slow),$(url $gw_slow)" 200 "$duration" stream "-,-,$key")
echo "bench: /v1/responses at $rate req/s and 200 streams/s, paths interleaved" >&2
s1=$(metrics $gw_slow); m2=$(metrics $gw)
rlat=$($java -Dlabels=bare-proxy,zumik -cp "$cp" LoadGen "$(rurl $bare),$(rurl $gw)" "$rate" "$duration" plain "-,$key")
m3=$(metrics $gw); s2=$(metrics $gw_slow)
rstrm=$($java -Dlabels=bare-proxy,zumik -cp "$cp" LoadGen "$(rurl $bare_slow),$(rurl $gw_slow)" 200 "$duration" stream "-,$key")
per_path() { echo "$1" | sed -e 's/^{"\([a-z-]*\)":/- \1: `/' -e 's/},"\([a-z-]*\)":{/}`\n- \1: `{/g' -e 's/}}$/}`/'; }
rss_final=$(rss_mb "$gwpid")
s3=$(metrics $gw_slow)
overhead=$(echo "$m1" | grep -E 'zumik_overhead_seconds_(bucket|count|sum)\{route="/v1/chat/completions"')

{
  echo "# Zumik overhead benchmark"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "- machine: $(nproc) vCPU ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/{printf "%d GiB", $2/1048576}' /proc/meminfo), Linux $(uname -r), $($java -version 2>&1 | head -n1)"
  echo "- command: \`DURATION=$duration WARM=$warm ROUNDS=$rounds RATE=$rate bench/run.sh\`"
  echo "- wrk, the upstreams, the bare proxy and Zumik share the 2 vCPUs; loopback networking."
  echo
  echo "## Non-stream throughput and CPU per request (wrk -t2 -c64, ${duration}s per row)"
  echo
  echo "| run | req/s | p50 | p99 | process CPU µs/req |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "## Stream throughput (20 chunks + usage + [DONE], no delay)"
  echo
  echo "| run | streams/s | p50 | p99 | process CPU µs/stream |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${srows[@]}"
  echo
  echo "Zumik RSS: ${rss_plain} MB after non-stream load, ${rss_stream} MB after stream load, ${rss_final} MB at the end."
  echo
  echo "## Latency at $rate req/s, non-stream (open loop, paths interleaved in 1-s slices; µs)"
  echo
  echo "zumik-group-commit is the same Zumik with ZUMIK_USAGE_JOURNAL=off (each response waits for its SQLite commit)."
  echo
  per_path "$lat"
  echo
  echo "## Streaming at 200 streams/s, 20 chunks 5 ms apart (paths interleaved in 1-s slices; µs)"
  echo
  per_path "$strm"
  echo
  echo "## /v1/responses (native OpenAI Responses API upstream, store=false)"
  echo
  echo "| run | req/s | p50 | p99 | process CPU µs/req |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${rrows[@]}"
  echo
  echo "At $rate req/s, non-stream (µs):"
  echo
  per_path "$rlat"
  echo
  echo "At 200 streams/s, 20 deltas 5 ms apart (µs):"
  echo
  per_path "$rstrm"
  echo
  echo "## Zumik's own overhead (/metrics histogram over each open-loop window only)"
  echo
  echo "- /v1/chat/completions at $rate req/s: $(window_overhead "$m0" "$m1" /v1/chat/completions)"
  echo "- /v1/responses at $rate req/s: $(window_overhead "$m2" "$m3" /v1/responses)"
  echo "- /v1/chat/completions, 200 streams/s: $(window_overhead "$s0" "$s1" /v1/chat/completions)"
  echo "- /v1/responses, 200 streams/s: $(window_overhead "$s2" "$s3" /v1/responses)"
  echo
  echo "Buckets, /v1/chat/completions, non-stream gateway, cumulative up to the end of the $rate req/s window:"
  echo
  echo '```'
  echo "$overhead"
  echo '```'
} > "$out/report.md"
cat "$out/report.md"
