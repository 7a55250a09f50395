#!/usr/bin/env bash
# JMH microbenchmarks of the hot paths (src/test/java/ai/zumik/bench): request translation and
# stream-chunk translation for Anthropic and Gemini, and the broker's routing decision.
#
#   bench/jmh.sh                              # every benchmark with the defaults below
#   bench/jmh.sh StreamChunkBench             # a regex selects benchmarks; JMH options pass through
#   bench/jmh.sh RequestTranslation -prof gc  # allocation per operation
#   SKIP_BUILD=1 bench/jmh.sh ...             # reuse target/test-classes as they are
#
# Defaults: -f 1 -wi 3 -w 2s -i 5 -r 2s, each used only when the command line does not give that
# option (JMH refuses an option given twice). Check the machine is idle first (uptime): a busy
# 2-core box doubles the numbers.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
java_home=$("$root/bin/java-home" 25)
cp_file="$root/target/jmh.classpath"

if [ -z "${SKIP_BUILD:-}" ]; then
  mvn -q -B -ntp test-compile dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test >&2
fi
[ -f "$cp_file" ] || { echo "jmh: $cp_file missing; run without SKIP_BUILD once" >&2; exit 1; }

defaults=()
for pair in "-f 1" "-wi 3" "-w 2s" "-i 5" "-r 2s" "-jvmArgsAppend --enable-native-access=ALL-UNNAMED"; do
  opt=${pair%% *}
  given=
  for a in "$@"; do [ "$a" = "$opt" ] && given=1; done
  [ -n "$given" ] || defaults+=("$opt" "${pair#* }")
done

exec "$java_home/bin/java" --enable-native-access=ALL-UNNAMED \
  -cp "$root/target/test-classes:$root/target/classes:$(cat "$cp_file")" \
  org.openjdk.jmh.Main "${defaults[@]}" "$@"
