#!/usr/bin/env bash
# Attacks Zumik as a hostile client with a valid key would and prints PASS/FAIL per attack, with
# the server's RSS before and at peak and the latency of ordinary requests sent meanwhile:
# header-only bodies announcing 2 MiB, slow headers, idle keep-alive, stalled uploads, oversized
# bodies, a flood of silent connections, many large bodies at once.
#
#   bench/abuse.sh                      # starts its own Zumik with short timeouts (~1 minute)
#   bench/abuse.sh --url http://127.0.0.1:8080 --key zk_live_... [--pid PID] \
#       [--idle-ms 120000 --header-ms 10000 --body-ms 30000 --per-ip 256 --budget-mb 64] [--only idle,oversize]
#
# Against a running Zumik, give its pid to sample RSS and the limits it was started with (the
# defaults above are Zumik's); the idle attack then waits the whole idle timeout. Exit status 1
# when any attack failed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
java_home=$("$root/bin/java-home" 25)
url= key= args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --url) url=$2; shift 2 ;;
    --key) key=$2; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
(cd "$root" && mvn -q -B -ntp -DskipTests package test-compile >&2)
pid=
if [ -z "$url" ]; then
  port=19280
  data="$root/bench/out/abuse-data"
  rm -rf "$data"; mkdir -p "$data"
  key="zk_live_ABUSEabuseABUSEabuseABUSEabuse12"
  source "$root/bench/common.sh"
  jar=$(pinned_jar "$root/target/zumik.jar" abuse)
  ZUMIK_BOOTSTRAP_KEY=$key ZUMIK_ACCESS_LOG=off ZUMIK_HTTP_IDLE_TIMEOUT_MS=4000 ZUMIK_HTTP_HEADER_TIMEOUT_MS=3000 \
  ZUMIK_HTTP_BODY_TIMEOUT_MS=3000 ZUMIK_JAVA_OPTS=-XX:+AlwaysPreTouch ZUMIK_JAR="$jar" "$root/bin/zumik" serve --port $port --data-dir "$data" > "$data.log" 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null || true; wait 2>/dev/null || true' EXIT
  for _ in $(seq 1 150); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.2; done
  url="http://127.0.0.1:$port"
  args=(--pid "$pid" --idle-ms 4000 --header-ms 3000 --body-ms 3000 "${args[@]}")
fi
[ -n "$key" ] || { echo "abuse: --key is required with --url" >&2; exit 2; }
hostport=${url#http://}; hostport=${hostport%%/*}
echo "abuse: attacking $url ($(date -u +%FT%TZ), $(nproc) vCPU)" >&2
"$java_home/bin/java" -cp "$root/target/test-classes" ai.zumik.bench.Abuse "${hostport%:*}" "${hostport##*:}" "$key" "${args[@]}"
