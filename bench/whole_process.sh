#!/usr/bin/env bash
# Whole-process figures: wall time and peak RSS (GNU time -v) of one client process doing N
# CAT round trips through TcpBackend vs the bare Deno.connect loop, against the in-repo
# console server running as a separate process (so the figures are the client's alone).
#
# Usage: bench/whole_process.sh [ops=1000] [repeats=3] [path=/proc/boot]
# Needs GNU time at /usr/bin/time (Debian/Ubuntu: apt-get install -y time).
set -euo pipefail
cd "$(dirname "$0")/.."

ops="${1:-1000}"
repeats="${2:-3}"
path="${3:-/proc/boot}"
if [[ ! -x /usr/bin/time ]]; then
  echo "whole_process.sh: /usr/bin/time not found (apt-get install -y time)" >&2
  exit 1
fi

workdir="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$workdir"
}
trap cleanup EXIT

# The server logs one line per command to stderr; the first names the port.
deno run --allow-net=127.0.0.1 server/main.ts --port 0 2>"$workdir/server.log" &
server_pid=$!
port=""
for _ in $(seq 1 100); do
  port="$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$workdir/server.log" | head -n1)"
  [[ -n "$port" ]] && break
  sleep 0.1
done
if [[ -z "$port" ]]; then
  echo "whole_process.sh: the console server did not start" >&2
  cat "$workdir/server.log" >&2
  exit 1
fi

# Warm the module cache so the first measured run does not pay for it.
deno cache bench/roundtrip_process.ts >/dev/null 2>&1 || true

echo "| client | ops | run | wall (s) | peak RSS (MiB) | user (s) | sys (s) | in-process per op (µs) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for n in "$ops" 0; do
  for run in $(seq 1 "$repeats"); do
    for client in bare tcp; do
      out="$workdir/out.txt"
      /usr/bin/time -v -o "$workdir/time.txt" \
        deno run --allow-net=127.0.0.1 bench/roundtrip_process.ts \
        --port "$port" --client "$client" --ops "$n" --path "$path" >"$out"
      wall="$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$workdir/time.txt")"
      wall_s="$(awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }' <<<"$wall")"
      rss_kb="$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$workdir/time.txt")"
      user="$(sed -n 's/.*User time (seconds): //p' "$workdir/time.txt")"
      sys="$(sed -n 's/.*System time (seconds): //p' "$workdir/time.txt")"
      per_op="$(sed -n 's/.*per_op_us=\([^ ]*\).*/\1/p' "$out")"
      printf '| %s | %s | %s | %.2f | %.1f | %s | %s | %s |\n' \
        "$client" "$n" "$run" "$wall_s" "$(awk "BEGIN { print $rss_kb / 1024 }")" "$user" "$sys" "$per_op"
    done
  done
done
