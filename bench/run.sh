#!/usr/bin/env bash
# End-to-end overhead benchmark: a fast fake OpenAI upstream, Zumik in front of it (auth, metering,
# access log, headers all on), and the same load against the upstream directly, in one run.
#
#   bench/run.sh                 # full run (~4 minutes), writes bench/out/report.md
#   DURATION=10 bench/run.sh     # shorter measurement windows
#
# Needs wrk (installed with apt-get when missing and running as root).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$root/bench/out"
mkdir -p "$out"
duration=${DURATION:-15}
rate=${RATE:-1000}
java_home=$("$root/bin/java-home" 25)
java="$java_home/bin/java"
java_native="$java --enable-native-access=ALL-UNNAMED"

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

up_port=19100; up_stream_port=19101; gw_port=19180; gw_stream_port=19181; bare_port=19190
key="zk_live_BENCHbenchBENCHbenchBENCHbench12"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# Two upstreams: instant (throughput, added latency) and 20 chunks 5 ms apart (TTFT and chunk gaps).
$java_native -Xms64m -Xmx256m -cp "$cp" BenchUpstream $up_port 20 0 1 > "$out/upstream.log" 2>&1 & pids+=($!)
$java_native -Xms64m -Xmx256m -cp "$cp" BenchUpstream $up_stream_port 20 5 1 > "$out/upstream-stream.log" 2>&1 & pids+=($!)
# The baseline the budget is stated against: a bare Vert.x proxy (parse, rewrite model, forward, relay).
$java_native -XX:+UseCompactObjectHeaders -Xms256m -Xmx512m -cp "$cp" BareProxy $bare_port $up_port \
  > "$out/bare.log" 2>&1 & pids+=($!); barepid=$!

start_zumik() { # port upstream-port data-dir
  rm -rf "$3"
  ZUMIK_BOOTSTRAP_KEY=$key OPENAI_BASE_URL="http://127.0.0.1:$2/v1" OPENAI_API_KEY=sk-bench \
  ZUMIK_ACCESS_LOG="$3/access.log" ZUMIK_JAVA_OPTS="-Xms256m -Xmx512m" \
    "$root/bin/zumik" serve --port "$1" --data-dir "$3" > "$3.log" 2>&1 &
  echo $!
}
gw=$(start_zumik $gw_port $up_port "$out/data"); pids+=($gw)
gw_stream=$(start_zumik $gw_stream_port $up_stream_port "$out/data-stream"); pids+=($gw_stream)
for p in $gw_port $gw_stream_port $bare_port; do
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$p/healthz" && break; sleep 0.2; done
done
zpid() { pgrep -f "zumik.jar serve --port $1" | head -n1; }
gwpid=$(zpid $gw_port); gwspid=$(zpid $gw_stream_port)

body='{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a benchmark."},{"role":"user","content":"Say something short about foxes."}]}'
sbody='{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"system","content":"You are a benchmark."},{"role":"user","content":"Say something short about foxes."}]}'
mklua() { # file body auth?
  { echo 'wrk.method = "POST"'; echo "wrk.body = '$2'"; echo 'wrk.headers["Content-Type"] = "application/json"'
    if [ -n "$3" ]; then echo "wrk.headers[\"Authorization\"] = \"Bearer $key\""; fi; } > "$1"
}
mklua "$out/plain-gw.lua" "$body" auth; mklua "$out/plain-up.lua" "$body" ""
mklua "$out/stream-gw.lua" "$sbody" auth; mklua "$out/stream-up.lua" "$sbody" ""

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_mb() { awk '/VmRSS/{printf "%d", $2/1024}' "/proc/$1/status"; }
tck=$(getconf CLK_TCK)

wrk_run() { # name url lua pid-to-measure
  local c0 c1 reqs rps
  [ -n "$4" ] && c0=$(cpu_ticks "$4")
  wrk -t2 -c64 -d"${duration}s" --latency -s "$3" "$2" > "$out/wrk-$1.txt"
  [ -n "$4" ] && c1=$(cpu_ticks "$4")
  reqs=$(awk '/requests in/{print $1}' "$out/wrk-$1.txt")
  rps=$(awk '/Requests\/sec/{printf "%d", $2}' "$out/wrk-$1.txt")
  local p50 p99
  p50=$(awk '/ 50%/{print $2}' "$out/wrk-$1.txt"); p99=$(awk '/ 99%/{print $2}' "$out/wrk-$1.txt")
  local cpu="-"
  [ -n "$4" ] && cpu=$(awk -v a="$c0" -v b="$c1" -v n="$reqs" -v t="$tck" 'BEGIN{printf "%.1f", (b-a)/t*1e6/n}')
  echo "$1|$rps|$p50|$p99|$cpu"
}

echo "bench: warm-up" >&2
wrk -t2 -c64 -d10s -s "$out/plain-up.lua" "http://127.0.0.1:$bare_port/v1/chat/completions" >/dev/null
wrk -t2 -c64 -d15s -s "$out/plain-gw.lua" "http://127.0.0.1:$gw_port/v1/chat/completions" >/dev/null
wrk -t2 -c64 -d10s -s "$out/stream-gw.lua" "http://127.0.0.1:$gw_port/v1/chat/completions" >/dev/null
$java_native -cp "$cp" LoadGen "http://127.0.0.1:$gw_stream_port/v1/chat/completions" 200 5 stream $key >/dev/null

echo "bench: throughput (wrk -t2 -c64, ${duration}s each)" >&2
t1=$(wrk_run direct-plain "http://127.0.0.1:$up_port/v1/chat/completions" "$out/plain-up.lua" "")
t0=$(wrk_run bare-vertx-proxy-plain "http://127.0.0.1:$bare_port/v1/chat/completions" "$out/plain-up.lua" "$barepid")
t2=$(wrk_run zumik-plain "http://127.0.0.1:$gw_port/v1/chat/completions" "$out/plain-gw.lua" "$gwpid")
t0b=$(wrk_run bare-vertx-proxy-plain "http://127.0.0.1:$bare_port/v1/chat/completions" "$out/plain-up.lua" "$barepid")
t2b=$(wrk_run zumik-plain "http://127.0.0.1:$gw_port/v1/chat/completions" "$out/plain-gw.lua" "$gwpid")
rss_plain=$(rss_mb "$gwpid")
t3=$(wrk_run direct-stream "http://127.0.0.1:$up_port/v1/chat/completions" "$out/stream-up.lua" "")
t4=$(wrk_run zumik-stream "http://127.0.0.1:$gw_port/v1/chat/completions" "$out/stream-gw.lua" "$gwpid")
rss_stream=$(rss_mb "$gwpid")

echo "bench: latency at $rate req/s (open loop, ${duration}s each)" >&2
l1=$($java_native -cp "$cp" LoadGen "http://127.0.0.1:$up_port/v1/chat/completions" "$rate" "$duration" plain)
lb=$($java_native -cp "$cp" LoadGen "http://127.0.0.1:$bare_port/v1/chat/completions" "$rate" "$duration" plain)
l2=$($java_native -cp "$cp" LoadGen "http://127.0.0.1:$gw_port/v1/chat/completions" "$rate" "$duration" plain $key)
echo "bench: streaming TTFT and chunk gaps at 200 streams/s (20 chunks, 5 ms apart)" >&2
s1=$($java_native -cp "$cp" LoadGen "http://127.0.0.1:$up_stream_port/v1/chat/completions" 200 "$duration" stream)
s2=$($java_native -cp "$cp" LoadGen "http://127.0.0.1:$gw_stream_port/v1/chat/completions" 200 "$duration" stream $key)
rss_final=$(rss_mb "$gwpid")
overhead=$(curl -s "http://127.0.0.1:$gw_port/metrics" | grep 'zumik_overhead_seconds_bucket{route="/v1/chat/completions"')

{
  echo "# Zumik overhead benchmark"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "- machine: $(nproc) vCPU, $(awk '/MemTotal/{printf "%d GiB", $2/1048576}' /proc/meminfo), $(uname -r), $("$java" -version 2>&1 | head -n1)"
  echo "- command: bench/run.sh (DURATION=$duration RATE=$rate)"
  echo
  echo "## Throughput and CPU (wrk -t2 -c64 --latency, ${duration}s)"
  echo
  echo "| run | req/s | p50 | p99 | Zumik CPU µs/req |"
  echo "|---|---|---|---|---|"
  for row in "$t1" "$t0" "$t2" "$t0b" "$t2b" "$t3" "$t4"; do echo "| ${row//|/ | } |"; done
  echo
  echo "RSS after non-stream load: ${rss_plain} MB; after stream load: ${rss_stream} MB; at the end: ${rss_final} MB."
  echo
  echo "## Latency at $rate req/s, non-stream (open loop)"
  echo
  echo "- direct: \`$l1\`"
  echo "- via a bare Vert.x proxy: \`$lb\`"
  echo "- via Zumik: \`$l2\`"
  echo
  echo "## Streaming at 200 streams/s (20 chunks 5 ms apart)"
  echo
  echo "- direct: \`$s1\`"
  echo "- via Zumik: \`$s2\`"
  echo
  echo "## Zumik's own overhead histogram (/metrics, non-stream gateway, all runs)"
  echo
  echo '```'
  echo "$overhead"
  echo '```'
} > "$out/report.md"
cat "$out/report.md"
