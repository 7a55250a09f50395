#!/usr/bin/env bash
# What OpenTelemetry tracing costs on the hot path (issue 16), in one run on one machine: the bare
# Vert.x proxy, Zumik built from the base commit (before tracing existed), this build with tracing
# off (no OTEL_EXPORTER_OTLP_ENDPOINT) and this build with tracing on, exporting every span over
# OTLP/HTTP to a local sink (bench/src/OtlpSink.java). Non-stream chat, a short prompt.
#
#   bench/otel.sh                                  # ~5 minutes, writes bench/out/otel.md
#   BASE=df5a50b DURATION=8 WARM=15 ROUNDS=2 bench/otel.sh
#
# BASE (default: the merge base of HEAD and main) is exported with git archive and built
# separately, so "off" is compared with the code as it was, in the same rounds. CPU per request:
# each process's user+system time (/proc/PID/stat) over a wrk window divided by the requests it
# completed, in alternating rounds; plus Zumik's own overhead histogram.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$root/bench/out"
mkdir -p "$out"
duration=${DURATION:-10}
warm=${WARM:-20}
rounds=${ROUNDS:-3}
base=${BASE:-$(cd "$root" && git merge-base HEAD main)}
java_home=$("$root/bin/java-home" 25)
java="$java_home/bin/java --enable-native-access=ALL-UNNAMED"
command -v wrk >/dev/null || { echo "bench: wrk is required (apt-get install wrk)" >&2; exit 1; }

echo "bench: building this tree and $base" >&2
(cd "$root" && mvn -q -B -ntp -DskipTests -Djacoco.skip=true package)
jar="$root/target/zumik.jar"
rm -rf "$out/otel-base-src" && mkdir -p "$out/otel-base-src"
(cd "$root" && git archive "$base" | tar -x -C "$out/otel-base-src")
(cd "$out/otel-base-src" && mvn -q -B -ntp -DskipTests -Djacoco.skip=true package)
basejar="$out/otel-base-src/target/zumik.jar"
mkdir -p "$out/classes"
"$java_home/bin/javac" -nowarn -cp "$jar" -d "$out/classes" "$root"/bench/src/*.java
cp="$jar:$out/classes"

up=19500; bare=19590; prev=19579; off=19580; on=19581; sink=19599
key="zk_live_OTELotelOTELotelOTELotelOTELot12"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

$java -Xms64m -Xmx256m -cp "$cp" BenchUpstream $up 20 0 1 > "$out/otel-upstream.log" 2>&1 & pids+=($!)
$java -Xms32m -Xmx128m -cp "$cp" OtlpSink $sink > "$out/otel-sink.log" 2>&1 & pids+=($!)
$java -XX:+UseCompactObjectHeaders -Xms256m -Xmx512m -cp "$cp" BareProxy $bare $up > "$out/otel-bare.log" 2>&1 & pids+=($!); barepid=$!
start_zumik() { # jar port data-dir extra-env...
  local j=$1 port=$2 data=$3; shift 3
  rm -rf "$data"
  env ZUMIK_BOOTSTRAP_KEY=$key OPENAI_BASE_URL="http://127.0.0.1:$up/v1" OPENAI_API_KEY=sk-bench ZUMIK_ACCESS_LOG="$data/access.log" \
    "$@" "$java_home/bin/java" -XX:+UseCompactObjectHeaders -Xms256m -Xmx512m --enable-native-access=ALL-UNNAMED -jar "$j" \
    serve --port "$port" --data-dir "$data" > "$data.log" 2>&1 &
  pids+=($!)
}
start_zumik "$basejar" $prev "$out/otel-base"
start_zumik "$jar" $off "$out/otel-off"
start_zumik "$jar" $on "$out/otel-on" OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$sink" OTEL_SERVICE_NAME=zumik-bench \
  OTEL_BSP_MAX_QUEUE_SIZE=8192
for p in $bare $prev $off $on; do
  for _ in $(seq 1 150); do curl -s -o /dev/null "http://127.0.0.1:$p/healthz" && break; sleep 0.2; done
done
pid_of() { pgrep -f -- "-jar .* serve --port $1 " | head -n1; }
prevpid=$(pid_of $prev); offpid=$(pid_of $off); onpid=$(pid_of $on)
grep -q "OpenTelemetry traces on" "$out/otel-on.log" || { echo "bench: tracing did not start on the 'on' instance" >&2; exit 1; }
if grep -q "OpenTelemetry traces on" "$out/otel-off.log"; then echo "bench: tracing is on in the 'off' instance" >&2; exit 1; fi

body='{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Say hello."}]}'
printf '%s' "$body" > "$out/otel-body.json"
{ echo 'wrk.method = "POST"'; echo 'local f = io.open("'"$out/otel-body.json"'", "r"); wrk.body = f:read("*a"); f:close()'
  echo 'wrk.headers["Content-Type"] = "application/json"'
  echo 'wrk.headers["traceparent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"'
  echo "wrk.headers[\"Authorization\"] = \"Bearer $key\""; } > "$out/otel.lua"
tck=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
url() { echo "http://127.0.0.1:$1/v1/chat/completions"; }
wrk_run() { # label port pid seconds
  local c0 c1 reqs
  c0=$(cpu_ticks "$3")
  wrk -t2 -c64 -d"${4}s" --latency -s "$out/otel.lua" "$(url "$2")" > "$out/otel-wrk-$1.txt"
  c1=$(cpu_ticks "$3")
  reqs=$(awk '/requests in/{print $1}' "$out/otel-wrk-$1.txt")
  echo "| $1 | $(awk '/Requests\/sec/{printf "%d", $2}' "$out/otel-wrk-$1.txt") | $(awk '/ 50%/{print $2}' "$out/otel-wrk-$1.txt") | $(awk '/ 99%/{print $2}' "$out/otel-wrk-$1.txt") | $(awk -v a="$c0" -v b="$c1" -v n="$reqs" -v t="$tck" 'BEGIN{printf "%.1f", (b-a)/t*1e6/n}') |"
}

echo "bench: warm-up (${warm}s each)" >&2
for p in $bare $prev $off $on; do wrk -t2 -c64 -d"${warm}s" -s "$out/otel.lua" "$(url $p)" >/dev/null; done
echo "bench: throughput, $rounds alternating rounds of ${duration}s" >&2
rows=()
for r in $(seq 1 "$rounds"); do
  rows+=("$(wrk_run "bare-proxy-round$r" $bare "$barepid" "$duration")")
  rows+=("$(wrk_run "zumik-base-round$r" $prev "$prevpid" "$duration")")
  rows+=("$(wrk_run "zumik-otel-off-round$r" $off "$offpid" "$duration")")
  rows+=("$(wrk_run "zumik-otel-on-round$r" $on "$onpid" "$duration")")
done
sleep 6 # one more batch-export interval, so the sink has what was sent
overhead() { curl -s "http://127.0.0.1:$1/metrics" | grep -E 'zumik_overhead_seconds_(count|sum)\{route="/v1/chat/completions"' | tr '\n' ' '; }
{
  echo "# OpenTelemetry tracing on the hot path"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "- machine: $(nproc) vCPU ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)), Linux $(uname -r), $($java -version 2>&1 | head -n1)"
  echo "- command: \`BASE=$base DURATION=$duration WARM=$warm ROUNDS=$rounds bench/otel.sh\` at $(cd "$root" && git rev-parse --short HEAD)"
  echo "- request: non-stream chat, $(wc -c < "$out/otel-body.json") bytes, with a client traceparent; wrk -t2 -c64"
  echo "- OTLP sink received (exports, bytes): $(curl -s "http://127.0.0.1:$sink/stats")"
  echo
  echo "| run | req/s | p50 | p99 | process CPU µs/req |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "## Zumik's own overhead (/metrics: count, sum in seconds)"
  echo
  echo "- base ($base): $(overhead $prev)"
  echo "- tracing off: $(overhead $off)"
  echo "- tracing on: $(overhead $on)"
} > "$out/otel.md"
cat "$out/otel.md"
