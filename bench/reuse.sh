#!/usr/bin/env bash
# What reuse accounting costs on the hot path (issue 14), in one run on one machine: the bare Vert.x
# proxy, Zumik with ZUMIK_REUSE_ACCOUNTING=off and Zumik with it on. The request is an agent's:
# 8 KiB of stable instructions, a 4-tool list, a short history and a new user turn, so every answer
# fingerprints ~10 KiB of prompt at 6 block boundaries and settles its account.
#
#   bench/reuse.sh                          # ~6 minutes, writes bench/out/reuse.md
#   DURATION=8 WARM=20 ROUNDS=2 bench/reuse.sh
#   REPEAT=1200 RATE=100 bench/reuse.sh      # ~105 KiB of instructions (a 109 KB request)
#
# CPU per request: each process's user+system time (/proc/PID/stat) over a wrk window divided by
# the requests it completed, in alternating rounds; plus Zumik's own overhead histogram. Then the
# latency it adds below saturation, against an upstream that takes DELAY ms (default 20) to answer,
# as a provider does: LoadGen sends the same request at RATE req/s (default 200) to a second pair
# of Zumiks (off, on) in front of it, interleaved in 1-s slices for FIXED seconds each (default 20);
# the client's latency minus DELAY is what the gateway added, and each one's own overhead over that
# window is read from /metrics (wall time minus upstream time: work done while the upstream works
# on the request is not in it).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/bench/lib.sh"
duration=${DURATION:-12}
warm=${WARM:-30}
rounds=${ROUNDS:-3}
rate=${RATE:-200}
fixed=${FIXED:-20}
delay=${DELAY:-20}
repeat=${REPEAT:-90} # sentences of stable instructions, 90 bytes each: 90 is ~8 KiB, 1,200 ~105 KiB

echo "bench: building" >&2
(cd "$root" && mvn -q -B -ntp -DskipTests package)
jar=$(pinned_jar "$root/target/zumik.jar" reuse)
bench_classes "$jar"

up=19400; bare=19490; off=19480; on=19481
key="zk_live_REUSEreuseREUSEreuseREUSEreuse12"
$java -Xms64m -Xmx256m -cp "$cp" BenchUpstream $up 20 0 1 > "$out/reuse-upstream.log" 2>&1 & pids+=($!)
$java -XX:+UseCompactObjectHeaders -Xms256m -Xmx512m -cp "$cp" BareProxy $bare $up > "$out/reuse-bare.log" 2>&1 & pids+=($!); barepid=$!
start_zumik "$jar" $off "$out/reuse-off" $key $up ZUMIK_REUSE_ACCOUNTING=off
start_zumik "$jar" $on "$out/reuse-on" $key $up ZUMIK_REUSE_ACCOUNTING=on
# The same pair again in front of an upstream that takes $delay ms to answer, for the fixed-rate phase.
up2=19401; off2=19482; on2=19483
$java -Xms64m -Xmx256m -cp "$cp" BenchUpstream $up2 20 0 1 "$delay" > "$out/reuse-upstream-slow.log" 2>&1 & pids+=($!)
start_zumik "$jar" $off2 "$out/reuse-off-slow" $key $up2 ZUMIK_REUSE_ACCOUNTING=off
start_zumik "$jar" $on2 "$out/reuse-on-slow" $key $up2 ZUMIK_REUSE_ACCOUNTING=on
wait_healthy $bare $off $on $off2 $on2
offpid=$(zumik_pid $off); onpid=$(zumik_pid $on)

policy=$(printf 'You review Java code for a bank; flag every unchecked exception and every mutable static. %.0s' $(seq 1 "$repeat"))
tools='[{"type":"function","function":{"name":"read_file","description":"Read a file","parameters":{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}}},{"type":"function","function":{"name":"grep","description":"Search the tree","parameters":{"type":"object","properties":{"pattern":{"type":"string"}},"required":["pattern"]}}},{"type":"function","function":{"name":"run_tests","description":"Run the suite","parameters":{"type":"object","properties":{}}}},{"type":"function","function":{"name":"write_file","description":"Write a file","parameters":{"type":"object","properties":{"path":{"type":"string"},"content":{"type":"string"}},"required":["path","content"]}}}]'
body="{\"model\":\"gpt-4o-mini\",\"tools\":$tools,\"messages\":[{\"role\":\"system\",\"content\":\"$policy\"},{\"role\":\"user\",\"content\":\"Review Foo.java\"},{\"role\":\"assistant\",\"content\":\"Reading it.\"},{\"role\":\"user\",\"content\":\"It is in src/main.\"},{\"role\":\"assistant\",\"content\":\"Found two issues.\"},{\"role\":\"user\",\"content\":\"List them.\"}]}"
printf '%s' "$body" > "$out/reuse-body.json"
lua="$out/reuse.lua"
{ echo 'wrk.method = "POST"'; echo 'local f = io.open("'"$out/reuse-body.json"'", "r"); wrk.body = f:read("*a"); f:close()'
  echo 'wrk.headers["Content-Type"] = "application/json"'
  echo "wrk.headers[\"Authorization\"] = \"Bearer $key\""; } > "$lua"
# The first answer proves accounting is on: its /v2 record carries a prefix family.
check=$(curl -s -D - -o /dev/null "$(chat_url $on)" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  --data-binary @"$out/reuse-body.json" | tr -d '\r' | awk -F': ' 'tolower($1)=="agent-response-id"{print $2}')
family=$(curl -s "http://127.0.0.1:$on/v2/responses/$check" -H "Authorization: Bearer $key" | sed -n 's/.*"prefix_family_id":"\(pf_[0-9a-f]*\)".*/\1/p')
[ -n "$family" ] || { echo "bench: reuse accounting did not run on the 'on' instance" >&2; exit 1; }

echo "bench: warm-up (${warm}s each)" >&2
for p in $bare $off $on $off2 $on2; do wrk -t2 -c64 -d"${warm}s" -s "$lua" "$(chat_url $p)" >/dev/null; done
echo "bench: throughput, $rounds alternating rounds of ${duration}s" >&2
rows=()
for r in $(seq 1 "$rounds"); do
  rows+=("$(wrk_row "bare-proxy-round$r" $bare "$barepid" "$duration" "$lua")")
  rows+=("$(wrk_row "zumik-reuse-off-round$r" $off "$offpid" "$duration" "$lua")")
  rows+=("$(wrk_row "zumik-reuse-on-round$r" $on "$onpid" "$duration" "$lua")")
done
echo "bench: $rate req/s, ${fixed}s each, interleaved, upstream answering in $delay ms" >&2
off0=$(metrics $off2); on0=$(metrics $on2)
fixed_json=$($java -Dbody="$out/reuse-body.json" -Dlabels=reuse-off,reuse-on -cp "$cp" LoadGen \
  "$(chat_url $off2),$(chat_url $on2)" "$rate" "$fixed" plain "$key,$key")
off1=$(metrics $off2); on1=$(metrics $on2)
{
  echo "# Reuse accounting on the hot path"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "- machine: $(machine)"
  echo "- command: \`DURATION=$duration WARM=$warm ROUNDS=$rounds RATE=$rate FIXED=$fixed DELAY=$delay REPEAT=$repeat bench/reuse.sh\`"
  echo "- request: $(wc -c < "$out/reuse-body.json") bytes (instructions, 4 tools, 5 turns); prefix family on: $family"
  echo
  echo "| run | req/s | p50 | p99 | process CPU µs/req |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "## Zumik's own overhead (/metrics: count, sum in seconds)"
  echo
  echo "- reuse off: $(overhead $off)"
  echo "- reuse on: $(overhead $on)"
  echo
  echo "## At $rate req/s against an upstream answering in $delay ms (LoadGen, interleaved 1-s slices, ${fixed}s each)"
  echo
  echo "Zumik's own overhead over the window, and the client's latency (which includes the $delay ms):"
  echo
  echo "- reuse off: $(window_overhead "$off0" "$off1" /v1/chat/completions)"
  echo "- reuse on: $(window_overhead "$on0" "$on1" /v1/chat/completions)"
  echo "- client: \`$fixed_json\`"
} > "$out/reuse.md"
cat "$out/reuse.md"
