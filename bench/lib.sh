# Shared by the bench scripts that compare Zumik variants side by side (reuse.sh, otel.sh): the JDK,
# wrk, Zumik processes, CPU per request from /proc and Zumik's own overhead histogram (with
# bench/common.sh, which it sources).
# Source it after setting `root`; it sets `out`, `java_home`, `java` and `tck`.

out="$root/bench/out"
source "$root/bench/common.sh"
java_home=$("$root/bin/java-home" 25)
java="$java_home/bin/java --enable-native-access=ALL-UNNAMED"
tck=$(getconf CLK_TCK)
pids=()
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null); fi
  command -v wrk >/dev/null || { echo "bench: wrk is required (apt-get install wrk)" >&2; exit 1; }
fi
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# Compiles the bench helpers (bench/src) against a built jar; sets `cp`.
bench_classes() { # jar
  mkdir -p "$out/classes"
  "$java_home/bin/javac" -nowarn -cp "$1" -d "$out/classes" "$root"/bench/src/*.java
  cp="$1:$out/classes"
}

# Starts Zumik from a jar against the bench upstream; extra VAR=value arguments go to its environment.
# The Zumiks a bench starts run the jar through bin/zumik, so with bin/jvm.options; the benches'
# own heap (-Xms256m -Xmx512m) replaces its 384 MiB unless HEAP=options (as a deployment runs).
# ZUMIK_BENCH_JAVA_OPTS (set per start) goes last.
bench_heap=$([ "${HEAP:-}" = options ] || echo "-Xms256m -Xmx512m")
start_zumik() { # jar port data-dir key upstream-port extra-env...
  local j=$1 port=$2 data=$3 key=$4 up=$5; shift 5
  rm -rf "$data"
  env ZUMIK_BOOTSTRAP_KEY="$key" OPENAI_BASE_URL="http://127.0.0.1:$up/v1" OPENAI_API_KEY=sk-bench \
    ZUMIK_ACCESS_LOG="$data/access.log" ZUMIK_JAR="$j" ZUMIK_JAVA_OPTS="$bench_heap ${ZUMIK_BENCH_JAVA_OPTS:-}" "$@" \
    "$root/bin/zumik" serve --port "$port" --data-dir "$data" > "$data.log" 2>&1 &
  pids+=($!)
}

wait_healthy() { # port...
  for p in "$@"; do
    for _ in $(seq 1 150); do curl -s -o /dev/null "http://127.0.0.1:$p/healthz" && break; sleep 0.2; done
  done
}

zumik_pid() { pgrep -f -- "-jar .* serve --port $1 " | head -n1; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Per-thread CPU ticks of process $1, one "name ticks" line per thread group (trailing digits of a
# thread name dropped, so the event loops add up): compare two snapshots with thread_cpu_delta.
thread_ticks() {
  for t in /proc/"$1"/task/*; do
    printf '%s %s\n' "$(sed 's/[-#]*[0-9]*$//' "$t/comm" 2>/dev/null)" "$(awk '{print $14 + $15}' "$t/stat" 2>/dev/null)"
  done | awk '{n=$0; sub(/ [0-9]+$/, "", n); s[n] += $NF} END {for (k in s) print k "\t" s[k]}'
}
# thread_cpu_delta BEFORE AFTER REQUESTS: µs of CPU per request by thread group, largest first.
thread_cpu_delta() {
  awk -F'\t' -v n="$3" -v t="$tck" 'NR==FNR {a[$1]=$2; next} {d=$2-a[$1]; if (d > 0) printf "%8.1f  %s\n", d/t*1e6/n, $1}' "$1" "$2" | sort -rn
}
chat_url() { echo "http://127.0.0.1:$1/v1/chat/completions"; }

# One wrk window against one process; prints a table row with its CPU per request.
wrk_row() { # label port pid seconds lua-script
  local c0 c1 reqs f="$out/wrk-$1.txt"
  c0=$(cpu_ticks "$3")
  wrk -t2 -c64 -d"${4}s" --latency -s "$5" "$(chat_url "$2")" > "$f"
  c1=$(cpu_ticks "$3")
  reqs=$(awk '/requests in/{print $1}' "$f")
  echo "| $1 | $(awk '/Requests\/sec/{printf "%d", $2}' "$f") | $(awk '/ 50%/{print $2}' "$f") | $(awk '/ 99%/{print $2}' "$f") | $(awk -v a="$c0" -v b="$c1" -v n="$reqs" -v t="$tck" 'BEGIN{printf "%.1f", (b-a)/t*1e6/n}') |"
}


machine() { echo "$(nproc) vCPU ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)), Linux $(uname -r), $($java -version 2>&1 | head -n1)"; }
