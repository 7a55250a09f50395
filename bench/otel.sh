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
source "$root/bench/lib.sh"
duration=${DURATION:-10}
warm=${WARM:-20}
rounds=${ROUNDS:-3}
base=${BASE:-$(cd "$root" && git merge-base HEAD main)}

echo "bench: building this tree and $base" >&2
(cd "$root" && mvn -q -B -ntp -DskipTests -Djacoco.skip=true package)
jar=$(pinned_jar "$root/target/zumik.jar" otel)
rm -rf "$out/otel-base-src" && mkdir -p "$out/otel-base-src"
(cd "$root" && git archive "$base" | tar -x -C "$out/otel-base-src")
(cd "$out/otel-base-src" && mvn -q -B -ntp -DskipTests -Djacoco.skip=true package)
basejar="$out/otel-base-src/target/zumik.jar"
bench_classes "$jar"

up=19500; bare=19590; prev=19579; off=19580; on=19581; sink=19599
key="zk_live_OTELotelOTELotelOTELotelOTELot12"
$java -Xms64m -Xmx256m -cp "$cp" BenchUpstream $up 20 0 1 > "$out/otel-upstream.log" 2>&1 & pids+=($!)
$java -Xms32m -Xmx128m -cp "$cp" OtlpSink $sink > "$out/otel-sink.log" 2>&1 & pids+=($!)
$java -XX:+UseCompactObjectHeaders -Xms256m -Xmx512m -cp "$cp" BareProxy $bare $up > "$out/otel-bare.log" 2>&1 & pids+=($!); barepid=$!
start_zumik "$basejar" $prev "$out/otel-base" $key $up
start_zumik "$jar" $off "$out/otel-off" $key $up
start_zumik "$jar" $on "$out/otel-on" $key $up OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$sink" \
  OTEL_SERVICE_NAME=zumik-bench OTEL_BSP_MAX_QUEUE_SIZE=8192
wait_healthy $bare $prev $off $on
prevpid=$(zumik_pid $prev); offpid=$(zumik_pid $off); onpid=$(zumik_pid $on)
grep -q "OpenTelemetry traces on" "$out/otel-on.log" || { echo "bench: tracing did not start on the 'on' instance" >&2; exit 1; }
if grep -q "OpenTelemetry traces on" "$out/otel-off.log"; then echo "bench: tracing is on in the 'off' instance" >&2; exit 1; fi

body='{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Say hello."}]}'
printf '%s' "$body" > "$out/otel-body.json"
lua="$out/otel.lua"
{ echo 'wrk.method = "POST"'; echo 'local f = io.open("'"$out/otel-body.json"'", "r"); wrk.body = f:read("*a"); f:close()'
  echo 'wrk.headers["Content-Type"] = "application/json"'
  echo 'wrk.headers["traceparent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"'
  echo "wrk.headers[\"Authorization\"] = \"Bearer $key\""; } > "$lua"

echo "bench: warm-up (${warm}s each)" >&2
for p in $bare $prev $off $on; do wrk -t2 -c64 -d"${warm}s" -s "$lua" "$(chat_url $p)" >/dev/null; done
echo "bench: throughput, $rounds alternating rounds of ${duration}s" >&2
rows=()
for r in $(seq 1 "$rounds"); do
  rows+=("$(wrk_row "bare-proxy-round$r" $bare "$barepid" "$duration" "$lua")")
  rows+=("$(wrk_row "zumik-base-round$r" $prev "$prevpid" "$duration" "$lua")")
  rows+=("$(wrk_row "zumik-otel-off-round$r" $off "$offpid" "$duration" "$lua")")
  rows+=("$(wrk_row "zumik-otel-on-round$r" $on "$onpid" "$duration" "$lua")")
done
sleep 6 # one more batch-export interval, so the sink has what was sent
{
  echo "# OpenTelemetry tracing on the hot path"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "- machine: $(machine)"
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
