#!/usr/bin/env bash
# Whole-process figures of one-shot `cohesix` commands: wall time and peak RSS (GNU time -v) of
#   hello     deno run bench/hello.ts (the floor: starting deno at all)
#   ls        cohesix ls / --mock (skipped while this build has no `ls`)
#   gpu-mock  cohesix gpu list --mock
#   gpu-tcp   cohesix gpu list against the in-repo console server (a separate process)
# interleaved, `repeats` rounds, so load from other processes hits every case alike. Prints each
# run, then the median per case and its ratio to the floor's median.
#
# Usage: bench/cli_startup.sh [repeats=15]
# Needs GNU time at /usr/bin/time (Debian/Ubuntu: apt-get install -y time).
set -euo pipefail
cd "$(dirname "$0")/.."

repeats="${1:-15}"
if [[ ! -x /usr/bin/time ]]; then
  echo "cli_startup.sh: /usr/bin/time not found (apt-get install -y time)" >&2
  exit 1
fi

workdir="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$workdir"
}
trap cleanup EXIT

deno run --allow-net=127.0.0.1 server/main.ts --port 0 2>"$workdir/server.log" &
server_pid=$!
port=""
for _ in $(seq 1 100); do
  port="$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$workdir/server.log" | head -n1)"
  [[ -n "$port" ]] && break
  sleep 0.1
done
if [[ -z "$port" ]]; then
  echo "cli_startup.sh: the console server did not start" >&2
  cat "$workdir/server.log" >&2
  exit 1
fi

cases=(hello gpu-mock gpu-tcp)
# `ls` comes with the cohsh verbs; measure it once this build has it.
if deno run cli/main.ts --help | grep -q '^  ls '; then cases=(hello ls gpu-mock gpu-tcp); fi

command_of() {
  case "$1" in
    hello) echo "deno run bench/hello.ts" ;;
    ls) echo "deno run cli/main.ts ls / --mock" ;;
    gpu-mock) echo "deno run cli/main.ts gpu list --mock" ;;
    gpu-tcp) echo "deno run --allow-net=127.0.0.1:$port cli/main.ts gpu list --tcp-port $port --auth-token changeme" ;;
  esac
}

# Warm the module cache so no run pays for type checking or downloads.
for name in "${cases[@]}"; do $(command_of "$name") >/dev/null; done

echo "| case | run | wall (s) | peak RSS (MiB) |"
echo "| --- | ---: | ---: | ---: |"
for run in $(seq 1 "$repeats"); do
  for name in "${cases[@]}"; do
    # GNU time's wall clock has 10 ms steps; the nanosecond clock around it is finer.
    start_ns="$(date +%s%N)"
    # shellcheck disable=SC2046
    /usr/bin/time -v -o "$workdir/time.txt" $(command_of "$name") >/dev/null
    end_ns="$(date +%s%N)"
    wall_s="$(awk "BEGIN { print ($end_ns - $start_ns) / 1e9 }")"
    rss_kb="$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$workdir/time.txt")"
    printf '%s %s %s\n' "$name" "$wall_s" "$rss_kb" >>"$workdir/runs.txt"
    printf '| %s | %s | %.3f | %.1f |\n' "$name" "$run" "$wall_s" "$(awk "BEGIN { print $rss_kb / 1024 }")"
  done
done

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
floor_wall="$(awk '$1 == "hello" { print $2 }' "$workdir/runs.txt" | median)"
floor_rss="$(awk '$1 == "hello" { print $3 }' "$workdir/runs.txt" | median)"
echo
echo "| case | median wall (s) | × floor | median peak RSS (MiB) | × floor |"
echo "| --- | ---: | ---: | ---: | ---: |"
for name in "${cases[@]}"; do
  wall="$(awk -v n="$name" '$1 == n { print $2 }' "$workdir/runs.txt" | median)"
  rss="$(awk -v n="$name" '$1 == n { print $3 }' "$workdir/runs.txt" | median)"
  printf '| %s | %.3f | %.2f | %.1f | %.2f |\n' "$name" "$wall" "$(awk "BEGIN { print $wall / $floor_wall }")" \
    "$(awk "BEGIN { print $rss / 1024 }")" "$(awk "BEGIN { print $rss / $floor_rss }")"
done
