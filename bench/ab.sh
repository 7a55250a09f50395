#!/usr/bin/env bash
# CPU per request of two Zumik builds and the bare proxy, in one run, on /v1/chat/completions (or ROUTE):
# the build at BASE (a git revision) against the working tree, each as run.sh starts it (usage
# journal on, access log to a file). All three are warmed, then measured in alternating rounds
# (bare, then base and new in turn first; repeated), each round a wrk -t2 -c$CONNS window (CONNS=64); per round: req/s and process CPU
# µs per request, and per thread group for the two Zumiks. The medians over the rounds go last.
#
#   BASE=HEAD~3 bench/ab.sh                 # ROUNDS=6 DURATION=10 WARM=60
#   BODY=request.json BASE=HEAD~1 bench/ab.sh  # another chat request than the short default one
#   CONNS=16 BASE=HEAD~1 bench/ab.sh           # 16 connections instead of 64
#   ROUTE=/v1/responses BASE=HEAD~1 bench/ab.sh  # the Responses API (store=false, as run.sh sends it)
#   HEAP=options BASE=HEAD NEW_OPTS=-XX:SurvivorRatio=4 bench/ab.sh
#       # one build, two sets of JVM options: both with bin/jvm.options' heap, "new" with more
#       # (BASE_OPTS likewise); without HEAP=options both get the benches' -Xms256m -Xmx512m
#
# Writes bench/out/ab.md. Run it alone on the machine (flock /tmp/zumik-heavy.lock ...).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/bench/lib.sh"
base=${BASE:?set BASE to a git revision}
rounds=${ROUNDS:-6}; duration=${DURATION:-10}; warm=${WARM:-60}; conns=${CONNS:-64}
(cd "$root" && mvn -q -B -ntp -DskipTests package)
cp "$root/target/zumik.jar" "$out/ab-new.jar"
src="$out/ab-base-src"
rm -rf "$src"; git -C "$root" worktree prune
git -C "$root" worktree add -q --detach "$src" "$base"
(cd "$src" && mvn -q -B -ntp -DskipTests package) && cp "$src/target/zumik.jar" "$out/ab-base.jar"
git -C "$root" worktree remove --force "$src"
bench_classes "$out/ab-new.jar"
up=19500; bare=19501; pa=19502; pb=19503; key="zk_live_BENCHbenchBENCHbenchBENCHbench12"
"$java_home/bin/java" -Xms64m -Xmx256m -cp "$cp" BenchUpstream $up 20 0 1 > "$out/ab-upstream.log" 2>&1 & pids+=($!)
"$java_home/bin/java" -XX:+UseCompactObjectHeaders -Xms256m -Xmx512m -cp "$cp" BareProxy $bare $up > "$out/ab-bare.log" 2>&1 & pids+=($!); barepid=$!
ZUMIK_BENCH_JAVA_OPTS=${BASE_OPTS:-} start_zumik "$out/ab-base.jar" $pa "$out/ab-base-data" "$key" $up ZUMIK_USAGE_JOURNAL=on
ZUMIK_BENCH_JAVA_OPTS=${NEW_OPTS:-} start_zumik "$out/ab-new.jar" $pb "$out/ab-new-data" "$key" $up ZUMIK_USAGE_JOURNAL=on
wait_healthy $pa $pb
apid=$(zumik_pid $pa); bpid=$(zumik_pid $pb)
lua="$out/ab.lua"
body="$out/ab-body.json"
route=${ROUTE:-/v1/chat/completions}
if [ -n "${BODY:-}" ]; then cp "$BODY" "$body"
elif [ "$route" = /v1/responses ]; then printf '%s' '{"model":"gpt-4o-mini","store":false,"instructions":"You are a benchmark.","input":"Say something short about foxes."}' > "$body"
else printf '%s' '{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a benchmark."},{"role":"user","content":"Say something short about foxes."}]}' > "$body"; fi
url() { echo "http://127.0.0.1:$1$route"; }
{ echo 'wrk.method = "POST"'
  echo "local f = io.open(\"$body\", \"r\"); wrk.body = f:read(\"*a\"); f:close()"
  echo 'wrk.headers["Content-Type"] = "application/json"'
  echo "wrk.headers[\"Authorization\"] = \"Bearer $key\""; } > "$lua"
for p in $bare $pa $pb; do wrk -t2 -c"$conns" -d"${warm}s" -s "$lua" "$(url $p)" > /dev/null; done
report="$out/ab.md"
window() { # label port pid
  local c0 c1 n f="$out/ab-wrk.txt"
  c0=$(cpu_ticks "$3"); thread_ticks "$3" > "$out/ab-t0.txt"
  wrk -t2 -c"$conns" -d"${duration}s" -s "$lua" "$(url "$2")" > "$f"
  c1=$(cpu_ticks "$3"); thread_ticks "$3" > "$out/ab-t1.txt"
  n=$(awk '/requests in/{print $1}' "$f")
  cpu=$(awk -v a="$c0" -v b="$c1" -v n="$n" -v t="$tck" 'BEGIN{printf "%.1f", (b-a)/t*1e6/n}')
  echo "$1 $(awk '/Requests\/sec/{printf "%d", $2}' "$f") $cpu" >> "$out/ab-rows.txt"
  thread_cpu_delta "$out/ab-t0.txt" "$out/ab-t1.txt" "$n" | awk -v l="$1" '{v=$1; $1=""; sub(/^ /, ""); print l "\t" $0 "\t" v}' >> "$out/ab-threads.txt"
}
: > "$out/ab-rows.txt"; : > "$out/ab-threads.txt"
for r in $(seq 1 "$rounds"); do
  window bare $bare "$barepid"
  # The two Zumiks swap places every round, so neither always runs right after the bare proxy.
  if [ $((r % 2)) = 1 ]; then window base $pa "$apid"; window new $pb "$bpid"
  else window new $pb "$bpid"; window base $pa "$apid"; fi
done
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ); machine: $(machine); base: $(git -C "$root" rev-parse --short "$base"); new: $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet || echo ' + working tree')"
  echo "command: ${HEAP:+HEAP=$HEAP }${BASE_OPTS:+BASE_OPTS=\"$BASE_OPTS\" }${NEW_OPTS:+NEW_OPTS=\"$NEW_OPTS\" }${BODY:+BODY=$BODY }${ROUTE:+ROUTE=$ROUTE }CONNS=$conns BASE=$base ROUNDS=$rounds DURATION=$duration WARM=$warm bench/ab.sh (request: $(wc -c < "$body") bytes)"
  echo
  echo "| round | bare req/s | bare µs | base req/s | base µs | new req/s | new µs | base/bare | new/bare |"
  echo "|---|---|---|---|---|---|---|---|---|"
  paste -d' ' - - - < "$out/ab-rows.txt" | awk '$4 == "new" {t = $4; $4 = $7; $7 = t; t = $5; $5 = $8; $8 = t; t = $6; $6 = $9; $9 = t} {printf "| %d | %s | %s | %s | %s | %s | %s | %.2f | %.2f |\n", NR, $2, $3, $5, $6, $8, $9, $6/$3, $9/$3}'
  for l in bare base new; do echo "$l median µs/req: $(awk -v l=$l '$1==l{print $3}' "$out/ab-rows.txt" | median)"; done
  echo
  echo "Per thread group, median µs per request over the rounds (base → new):"
  for t in $(cut -f2 "$out/ab-threads.txt" | sort -u | tr ' ' '_'); do
    n=$(echo "$t" | tr '_' ' ')
    a=$(awk -F'\t' -v l=base -v t="$n" '$1==l && $2==t{print $3}' "$out/ab-threads.txt" | median 2>/dev/null || echo 0)
    b=$(awk -F'\t' -v l=new -v t="$n" '$1==l && $2==t{print $3}' "$out/ab-threads.txt" | median 2>/dev/null || echo 0)
    awk -v n="$n" -v a="${a:-0}" -v b="${b:-0}" 'BEGIN{if (a + b >= 0.5) printf "- %s: %.1f → %.1f\n", n, a, b}'
  done
} > "$report"
cat "$report"
