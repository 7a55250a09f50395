#!/usr/bin/env bash
# zumik diagnose on a large trace file (issue 14, item 5): generates LINES trace lines shaped like
# zumik proxy's (2–5 prefix marks each, 1,000 prefix families, 50,000 sessions, arrivals in order,
# a provider cache counter on most, every 1,000th line malformed) and times one `zumik diagnose`
# of the whole file from the built jar, then `zumik score`. Target: 1,000,000 lines in under 10 s.
#
#   bench/diagnose.sh                 # LINES=1000000
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$root/bench/out"
mkdir -p "$out"
lines=${LINES:-1000000}
file="$out/traces-$lines.jsonl"
java_home=$("$root/bin/java-home" 25)
echo "bench: building" >&2
(cd "$root" && mvn -q -B -ntp -DskipTests package >&2)
if [ ! -s "$file" ]; then
  echo "bench: generating $lines lines into $file" >&2
  awk -v n="$lines" 'BEGIN {
    srand(42);
    for (i = 1; i <= n; i++) {
      if (i % 1000 == 0) { print "{\"trace_id\":\"bad" i "\",\"privacy_mode\":\"metadata\",\"observed\":{\"input_tokens\":\"x\"}}"; continue }
      fam = int(rand() * 1000); ses = int(rand() * 50000); turn = int(rand() * 4);
      stable = 800 + (fam % 7) * 200; input = stable + 300 * (turn + 1) + int(rand() * 200);
      marks = sprintf("{\"tokens\":%d,\"fingerprint\":\"%016x\"}", stable, fam);
      t = stable;
      for (k = 0; k <= turn; k++) { t += 300; marks = marks sprintf(",{\"tokens\":%d,\"fingerprint\":\"%08x%08x\"}", t, ses, k + 1) }
      cached = (rand() < 0.8) ? sprintf(",\"realized_reused_tokens\":%d", int(stable * rand())) : "";
      printf "{\"trace_schema_version\":\"2026-06-01\",\"trace_id\":\"trc_%d\",\"privacy_mode\":\"metadata\",\"prefix_family_id\":\"pf_%016x\",", i, fam;
      printf "\"request\":{\"api_surface\":\"v1_chat_completions\",\"model\":\"gpt-4o\"},\"schedule\":{\"arrival_offset_ms\":%d},", i * 20;
      printf "\"observed\":{\"resolved_target\":\"openai/gpt-4o\",\"ttft_ms\":%d,\"latency_ms\":%d,\"input_tokens\":%d,", 150 + int(rand() * 300), 900 + int(rand() * 2000), input;
      printf "\"eligible_reuse_tokens\":%d,\"candidate_reuse_tokens\":0%s,\"output_tokens\":%d,\"attempt_count\":1,\"status\":200},", input - 300, cached, 50 + int(rand() * 400);
      printf "\"prefix\":[%s]}\n", marks;
    }
  }' > "$file"
fi
bytes=$(stat -c %s "$file")
java="$java_home/bin/java"
mapfile -t jvm_options < <(grep -v '^[[:space:]]*\(#\|$\)' "$root/bin/jvm.options")
for cmd in diagnose score; do
  start=$(date +%s.%N)
  "$java" "${jvm_options[@]}" -jar "$root/target/zumik.jar" "$cmd" "$file" > "$out/diagnose-$cmd.txt" 2>&1
  end=$(date +%s.%N)
  secs=$(echo "$end - $start" | bc)
  echo "zumik $cmd: $lines lines ($bytes bytes) in $secs s (JVM start included)"
done
head -3 "$out/diagnose-diagnose.txt"
