#!/usr/bin/env bash
# Where Zumik's CPU goes on one /v1 path under wrk: starts the fake upstream and one Zumik (as
# run.sh does: journal on, access log to a file), warms it, measures CPU per request in two
# windows, then records JFR (settings=profile) for 25 s under the same load and prints the shares
# of execution samples per thread, per top frame and per ai.zumik method (bench/src/JfrFrames.java).
#
#   bench/profile.sh                       # /v1/chat/completions, non-stream
#   PATH_KIND=responses bench/profile.sh   # /v1/responses
#   JFR_OPTS=method-profiling=max bench/profile.sh   # sample every 1 ms instead of 10-20 ms
#
# Writes bench/out/profile-<path>.jfr and bench/out/profile-<path>.txt. Run it alone on the machine.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/bench/lib.sh"
kind=${PATH_KIND:-chat}
warm=${WARM:-50}
(cd "$root" && mvn -q -B -ntp -DskipTests package)
bench_classes "$root/target/zumik.jar"
up=19400; gw=19480; key="zk_live_BENCHbenchBENCHbenchBENCHbench12"
"$java_home/bin/java" -Xms64m -Xmx256m -cp "$cp" BenchUpstream $up 20 0 1 > "$out/profile-upstream.log" 2>&1 & pids+=($!)
bare=19481
"$java_home/bin/java" -XX:+UseCompactObjectHeaders -Xms256m -Xmx512m -cp "$cp" BareProxy $bare $up > "$out/profile-bare.log" 2>&1 & pids+=($!); barepid=$!
start_zumik "$(pinned_jar "$root/target/zumik.jar" profile)" $gw "$out/profile-data" "$key" $up ZUMIK_USAGE_JOURNAL=on
wait_healthy $gw
zpid=$(zumik_pid $gw)
if [ "$kind" = responses ]; then
  path=/v1/responses; body='{"model":"gpt-4o-mini","store":false,"instructions":"You are a benchmark.","input":"Say something short about foxes."}'
else
  path=/v1/chat/completions; body='{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a benchmark."},{"role":"user","content":"Say something short about foxes."}]}'
fi
lua="$out/profile-$kind.lua"
{ echo 'wrk.method = "POST"'; echo "wrk.body = '$body'"; echo 'wrk.headers["Content-Type"] = "application/json"'
  echo "wrk.headers[\"Authorization\"] = \"Bearer $key\""; } > "$lua"
target="http://127.0.0.1:$gw$path"
wrk -t2 -c64 -d"${warm}s" -s "$lua" "$target" > /dev/null
wrk -t2 -c64 -d20s -s "$lua" "http://127.0.0.1:$bare$path" > /dev/null
report="$out/profile-$kind.txt"
window() { # label url pid: one 12-s wrk window, CPU per request in all and by thread group
  local c0 c1 n
  c0=$(cpu_ticks "$3"); thread_ticks "$3" > "$out/profile-threads0.txt"
  wrk -t2 -c64 -d12s -s "$lua" "$2" > "$out/profile-wrk.txt"
  c1=$(cpu_ticks "$3"); thread_ticks "$3" > "$out/profile-threads1.txt"
  n=$(awk '/requests in/{print $1}' "$out/profile-wrk.txt")
  echo "$1: $(awk '/Requests\/sec/{printf "%d", $2}' "$out/profile-wrk.txt") req/s, $(awk -v a="$c0" -v b="$c1" -v n="$n" -v t="$tck" 'BEGIN{printf "%.1f", (b-a)/t*1e6/n}') µs CPU per request; by thread (µs per request, user + system):"
  thread_cpu_delta "$out/profile-threads0.txt" "$out/profile-threads1.txt" "$n" | head -12
}
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ); machine: $(machine); commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
  window "zumik, window 1" "$target" "$zpid"
  window "zumik, window 2" "$target" "$zpid"
  window "bare proxy, same upstream" "http://127.0.0.1:$bare$path" "$barepid"
  "$java_home/bin/jcmd" "$zpid" JFR.start settings=profile ${JFR_OPTS:-} duration=25s filename="$out/profile-$kind.jfr" > /dev/null
  wrk -t2 -c64 -d27s -s "$lua" "$target" > /dev/null
  sleep 2
  "$java_home/bin/java" -cp "$cp" JfrFrames "$out/profile-$kind.jfr"
} > "$report"
cat "$report"
