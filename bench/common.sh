# Helpers every bench script shares, with no side effects (lib.sh adds wrk, process management and
# CPU accounting for the scripts that compare variants). Source it after setting `root`; it sets
# `out` (bench/out) when the script has not.

out=${out:-"$root/bench/out"}
mkdir -p "$out"

# A copy of a built jar for one bench's servers to run (its name still ends in zumik.jar, which the
# pgrep patterns look for), so that a rebuild of target/zumik.jar during the run — bin/zumik and the
# tests rebuild it when a source is newer — cannot pull classes from under the running JVMs.
pinned_jar() { # jar name
  cp "$1" "$out/$2-zumik.jar"
  echo "$out/$2-zumik.jar"
}

metrics() { curl -s "http://127.0.0.1:$1/metrics"; } # port: one /metrics snapshot
# port: the count and sum of Zumik's own overhead on /v1/chat/completions so far, as one line
overhead() { curl -s "http://127.0.0.1:$1/metrics" | grep -E 'zumik_overhead_seconds_(count|sum)\{route="/v1/chat/completions"' | tr '\n' ' '; }

# Zumik's own overhead for a route between two /metrics snapshots: p50, p99, mean (bench/window-overhead.awk).
window_overhead() { # metrics-before metrics-after route
  { echo "$1" | sed 's/^/B /'; echo "$2" | sed 's/^/A /'; } | awk -v r="$3" -f "$root/bench/window-overhead.awk"
}

# An agent's chat request of about $1 KiB, written to $2: a system prompt of policy lines, four
# tools, and a conversation whose tool results are Java source — newlines, tabs, quotes and
# backslashes to escape, some non-ASCII — as a coding agent sends it on every turn.
agent_request() { # kib file
  awk -v kib="$1" 'function esc(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); gsub(/\t/, "\\t", s); return s }
  BEGIN {
    policy = ""; for (i = 1; i <= 40; i++) policy = policy "Rule " i ": flag every unchecked exception, every mutable static and every “clever” cast.\\n"
    tools = "[{\"type\":\"function\",\"function\":{\"name\":\"read_file\",\"description\":\"Read a file\",\"parameters\":{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}},\"required\":[\"path\"]}}},{\"type\":\"function\",\"function\":{\"name\":\"grep\",\"description\":\"Search the tree\",\"parameters\":{\"type\":\"object\",\"properties\":{\"pattern\":{\"type\":\"string\"}},\"required\":[\"pattern\"]}}},{\"type\":\"function\",\"function\":{\"name\":\"run_tests\",\"description\":\"Run the suite\",\"parameters\":{\"type\":\"object\",\"properties\":{}}}},{\"type\":\"function\",\"function\":{\"name\":\"write_file\",\"description\":\"Write a file\",\"parameters\":{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},\"content\":{\"type\":\"string\"}},\"required\":[\"path\",\"content\"]}}}]"
    msgs = "{\"role\":\"system\",\"content\":\"" policy "\"},{\"role\":\"user\",\"content\":\"Review the ledger package.\"}"
    size = length(tools) + length(msgs); n = 0
    while (size < kib * 1024) {
      n++; src = ""
      for (l = 1; l <= 60; l++) src = src esc("\tString line" l " = \"amount\\t€" (n * l) "\" + ledger.get(\"k" l "\"); // check " l) "\\n"
      m = ",{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_" n "\",\"type\":\"function\",\"function\":{\"name\":\"read_file\",\"arguments\":\"{\\\"path\\\":\\\"src/Ledger" n ".java\\\"}\"}}]},{\"role\":\"tool\",\"tool_call_id\":\"call_" n "\",\"content\":\"" src "\"}"
      msgs = msgs m; size += length(m)
    }
    printf "{\"model\":\"gpt-4o-mini\",\"tools\":%s,\"messages\":[%s,{\"role\":\"user\",\"content\":\"List the issues.\"}]}", tools, msgs
  }' > "$2"
}
