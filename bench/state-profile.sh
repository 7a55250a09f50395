#!/usr/bin/env bash
# Where a native-state turn's CPU goes (issue 13, item 8): one Zumik on SQLite (or PostgreSQL with
# DB=pg) against the instant bench upstream, one StateBench client running turns against a session
# with a 50-event branch and a 3-block bundle (as bench/state.sh does), JFR recording
# (settings=profile, method-profiling=max) for 20 s once WARM turns have run, then the shares of
# execution samples per thread, per top frame and per ai.zumik method (bench/src/JfrFrames.java).
#
#   bench/state-profile.sh               # KIND=turns; KIND=plain profiles the stateless baseline
#   PERF=1 bench/state-profile.sh        # perf instead of JFR: native (SQLite) and kernel time by library and symbol
#
# Writes bench/out/state-profile.jfr and bench/out/state-profile.txt. Run it alone on the machine.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/bench/lib.sh"
kind=${KIND:-turns}
warm=${WARM:-2000}
(cd "$root" && mvn -q -B -ntp -DskipTests package)
bench_classes "$root/target/zumik.jar"
up=19310; gw=19390; key="zk_live_STATEstateSTATEstateSTATEstate12"
schema="zumik_state_profile_$$"
db_url=""
[ "${DB:-sqlite}" = pg ] && db_url="postgresql://postgres@127.0.0.1:5432/test?currentSchema=$schema"
drop_schema() { [ -z "$db_url" ] || psql -h 127.0.0.1 -U postgres -d test -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true; }
trap 'cleanup; drop_schema' EXIT
"$java_home/bin/java" -Xms64m -Xmx256m -cp "$cp" BenchUpstream $up 20 0 1 > "$out/state-profile-upstream.log" 2>&1 & pids+=($!)
start_zumik "$(pinned_jar "$root/target/zumik.jar" state-profile)" $gw "$out/state-profile-data" "$key" $up ZUMIK_ACCESS_LOG=off ZUMIK_DATABASE_URL="$db_url"
wait_healthy $gw
zpid=$(zumik_pid $gw)
$java -Dwarm="$warm" -cp "$cp" StateBench "http://127.0.0.1:$gw" $key "$kind" 1000000 1 > /dev/null 2>&1 & client=$!
pids+=($client)
# Wait for the warm-up turns: the overhead histogram's count for /v2/responses reaches WARM.
count() { curl -s "http://127.0.0.1:$gw/metrics" | awk '/^zumik_overhead_seconds_count\{route="\/v2\/responses"/ {print $NF}'; }
for _ in $(seq 1 600); do c=$(count); [ "${c%.*}" -ge "$warm" ] 2>/dev/null && break; sleep 1; done
t0=$(thread_ticks "$zpid"); n0=$(count)
if [ -n "${PERF:-}" ]; then # native and kernel time too (JFR samples Java frames only): shares by library and symbol
  perf record -q -F 499 -g -p "$zpid" -o "$out/state-profile.perf" -- sleep 20 2>/dev/null
else
  "$java_home/bin/jcmd" "$zpid" JFR.start settings=profile method-profiling=max duration=20s filename="$out/state-profile.jfr" > /dev/null
  sleep 22
fi
t1=$(thread_ticks "$zpid"); n1=$(count)
report="$out/state-profile.txt"
{
  echo "# state-profile: KIND=$kind DB=${DB:-sqlite} WARM=$warm, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) vCPU $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)"
  echo "turns in the window: $(awk -v a="$n0" -v b="$n1" 'BEGIN {print b - a}')"
  echo "CPU per turn by thread group (µs):"
  thread_cpu_delta <(echo "$t0") <(echo "$t1") "$(awk -v a="$n0" -v b="$n1" 'BEGIN {print b - a}')" | head -n 12
  if [ -n "${PERF:-}" ]; then
    echo "== perf: share of samples by thread and library"
    perf report -q -i "$out/state-profile.perf" --no-children --sort comm,dso 2>/dev/null | head -n 25
    echo "== perf: top symbols outside Java code"
    perf report -q -i "$out/state-profile.perf" --no-children --sort dso,sym 2>/dev/null | grep -v "perf-[0-9]*.map\|\[unknown\]" | head -n 40
  else
    "$java_home/bin/java" -cp "$cp" JfrFrames "$out/state-profile.jfr"
  fi
} > "$report"
cat "$report"
