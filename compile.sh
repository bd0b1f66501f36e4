#!/usr/bin/env bash
# Builds the `cohesix` CLI and the three examples for shipping to a host without this repository:
#   dist/cohesix-bundle/  the CLI as a code-split bundle (main.js and its chunks; each subcommand
#                    is loaded when used); runs anywhere the same deno is installed:
#                    deno run <its flags> dist/cohesix-bundle/main.js ...
#   dist/<name>.js   each example as a single-file bundle: deno run <its flags> dist/<name>.js
#   dist/cohesix, dist/<name>   a self-contained executable each (deno compile) with the
#                    permissions chosen here baked in; needs a denort (see below), no deno on the
#                    target. cohesix gets the loopback console (and its token variables) and nothing
#                    else unless --cli-net, --cli-data and --cli-run say otherwise.
# `deno compile` does not copy the running deno: it appends the program to *denort*, the Deno
# runtime without the CLI, which it takes from $DENORT_BIN or from
# $DENO_DIR/dl/release/v<version>/denort-<target>.zip (downloading that zip if it is missing).
# A full deno binary given as DENORT_BIN is refused: deno compile accepts it, but the result
# ignores the embedded program and starts the deno CLI (a REPL) instead.
set -euo pipefail

# deno bundle fetches esbuild (and deno compile a denort) over TLS; build hosts behind a proxy
# with an internal CA trust it through the OS store, so trust that too unless told otherwise.
export DENO_TLS_CA_STORE="${DENO_TLS_CA_STORE:-mozilla,system}"

readonly SUPPORTED_TARGETS="x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-apple-darwin aarch64-apple-darwin x86_64-pc-windows-msvc"
readonly EXAMPLES="lease_run peft_roundtrip telemetry_write_pull"

usage() {
  cat <<EOF
Usage: ./compile.sh [options]

Bundles the cohesix CLI into dist/cohesix-bundle/ (run main.js) and compiles it into
dist/cohesix, with the permissions chosen below baked in; does the same for each example (dist/<name>.js, and
cohesix-lease-run, cohesix-peft-roundtrip, cohesix-telemetry-write-pull) with its least
permissions.

Options:
  --target TARGET    build executables for TARGET instead of this host; one of:
                     ${SUPPORTED_TARGETS// /, }
                     (written to dist/TARGET/)
  --net HOST:PORT    Queen console the executables may reach (default 127.0.0.1:31337)
  --out-root DIR     folder the executables may read and write (default out/examples,
                     relative to the directory they are started from)
  --fs-root DIR      also allow reading and writing DIR, for --fs-root DIR (a coh mount)
  --run CMDS         comma-separated commands cohesix-lease-run may start (default echo)
  --cli-net LIST     comma-separated HOST:PORT consoles dist/cohesix may reach (default: --net)
  --cli-data DIRS    comma-separated folders dist/cohesix may read and write (telemetry pull
                     --out, peft folders, --mock-root, --fs-root, a --policy file's folder);
                     default none
  --cli-run CMDS     comma-separated programs 'cohesix run' may start (default none)
  --dist DIR         output folder (default dist)
  --bundle-only      write the bundles only, no executables
  --no-bundle        write the executables only, no bundles
  --offline          never download a denort; fail if none is available here
  -h, --help         show this help

Environment:
  DENORT_BIN    a denort of the same deno version for the target (not a full deno binary)
  DENO_DIR      deno's cache folder; a denort-<target>.zip under dl/release/v<version>/ is used
  COHESIX_OFFLINE=1   same as --offline
EOF
}

# Prints an error (first line prefixed, the rest as given) and exits with status $1.
die() {
  local status="$1"
  shift
  printf 'compile.sh: %s\n' "$1" >&2
  shift
  [ "$#" -eq 0 ] || printf '%s\n' "$@" >&2
  exit "$status"
}

# An explicit --dist is relative to where compile.sh was started, not to the repository.
absolute() {
  case "$1" in
    /*) printf '%s' "$1" ;;
    *) printf '%s/%s' "$PWD" "$1" ;;
  esac
}

target=""
net="127.0.0.1:31337"
out_root="out/examples"
fs_root=""
run_cmds="echo"
cli_net=""
cli_data=""
cli_run=""
dist="dist"
bundle_only=0
no_bundle=0
offline="${COHESIX_OFFLINE:-0}"
[ "$offline" = "1" ] || offline=0

while [ "$#" -gt 0 ]; do
  case "$1" in
    --target) [ "$#" -ge 2 ] || die 2 "--target needs a value"; target="$2"; shift 2 ;;
    --target=*) target="${1#*=}"; shift ;;
    --net) [ "$#" -ge 2 ] || die 2 "--net needs HOST:PORT"; net="$2"; shift 2 ;;
    --net=*) net="${1#*=}"; shift ;;
    --out-root) [ "$#" -ge 2 ] || die 2 "--out-root needs a folder"; out_root="$2"; shift 2 ;;
    --out-root=*) out_root="${1#*=}"; shift ;;
    --fs-root) [ "$#" -ge 2 ] || die 2 "--fs-root needs a folder"; fs_root="$2"; shift 2 ;;
    --fs-root=*) fs_root="${1#*=}"; shift ;;
    --run) [ "$#" -ge 2 ] || die 2 "--run needs a command list"; run_cmds="$2"; shift 2 ;;
    --run=*) run_cmds="${1#*=}"; shift ;;
    --cli-net) [ "$#" -ge 2 ] || die 2 "--cli-net needs HOST:PORT[,HOST:PORT...]"; cli_net="$2"; shift 2 ;;
    --cli-net=*) cli_net="${1#*=}"; shift ;;
    --cli-data) [ "$#" -ge 2 ] || die 2 "--cli-data needs a folder list"; cli_data="$2"; shift 2 ;;
    --cli-data=*) cli_data="${1#*=}"; shift ;;
    --cli-run) [ "$#" -ge 2 ] || die 2 "--cli-run needs a command list"; cli_run="$2"; shift 2 ;;
    --cli-run=*) cli_run="${1#*=}"; shift ;;
    --dist) [ "$#" -ge 2 ] || die 2 "--dist needs a folder"; dist="$(absolute "$2")"; shift 2 ;;
    --dist=*) dist="$(absolute "${1#*=}")"; shift ;;
    --bundle-only) bundle_only=1; shift ;;
    --no-bundle) no_bundle=1; shift ;;
    --offline) offline=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die 2 "unknown option '$1' (see --help)" ;;
  esac
done

cd "$(dirname "$0")"

command -v deno >/dev/null 2>&1 || die 1 "deno is not on PATH; install deno first"
# First line: "deno 2.9.6 (stable, release, x86_64-unknown-linux-gnu)".
version_line="$(deno --version | head -n 1)"
deno_version="$(printf '%s' "$version_line" | awk '{print $2}')"
host_target="$(printf '%s' "$version_line" | sed -nE 's/.*, ([^,()]+)\)$/\1/p')"
[ -n "$deno_version" ] && [ -n "$host_target" ] ||
  die 1 "cannot read the deno version and host target from '$version_line'"
cross=1
if [ -z "$target" ]; then
  target="$host_target"
  cross=0
fi
case " $SUPPORTED_TARGETS " in
  *" $target "*) ;;
  *) die 2 "unsupported target '$target'; use one of: $SUPPORTED_TARGETS" ;;
esac
net_port="${net##*:}"
net_host="${net%:*}"
[[ "$net" == *:* && -n "$net_host" && "$net_port" =~ ^[0-9]+$ && "$net_host" != *[[:space:],]* ]] ||
  die 2 "--net must be HOST:PORT, got '$net'"

[ -n "$cli_net" ] || cli_net="$net"
IFS=',' read -r -a cli_net_list <<<"$cli_net"
for address in "${cli_net_list[@]}"; do
  [[ "$address" == *:* && -n "${address%:*}" && "${address##*:}" =~ ^[0-9]+$ && "$address" != *[[:space:]]* ]] ||
    die 2 "--cli-net must be HOST:PORT[,HOST:PORT...], got '$cli_net'"
done
[[ "$cli_data" != *[[:space:]]* && "$cli_run" != *[[:space:]]* ]] ||
  die 2 "--cli-data and --cli-run are comma-separated lists without spaces"

# The cohesix CLI: the consoles and their token variables; data folders and programs only when
# the operator names them (README, "The cohesix CLI", has the per-subcommand table).
cli_flags=(
  "--allow-net=$cli_net"
  "--allow-env=COH_AUTH_TOKEN,COHSH_AUTH_TOKEN"
)
[ -z "$cli_data" ] || cli_flags+=("--allow-read=$cli_data" "--allow-write=$cli_data")
[ -z "$cli_run" ] || cli_flags+=("--allow-run=$cli_run")

# Least permissions of each example (keep in sync with examples/TASKS.md).
rw_paths="$out_root"
[ -z "$fs_root" ] || rw_paths="$rw_paths,$fs_root"
common_flags=(
  "--allow-read=$rw_paths"
  "--allow-write=$rw_paths"
  "--allow-net=$net"
  "--allow-env=COH_AUTH_TOKEN,COHSH_AUTH_TOKEN"
)
# Sets the array `flags` to the permissions of example $1.
set_flags() {
  flags=("${common_flags[@]}")
  [ "$1" != "lease_run" ] || flags+=("--allow-run=$run_cmds")
}
binary_name() {
  case "$1" in
    lease_run) printf 'cohesix-lease-run' ;;
    peft_roundtrip) printf 'cohesix-peft-roundtrip' ;;
    telemetry_write_pull) printf 'cohesix-telemetry-write-pull' ;;
  esac
}

mkdir -p "$dist"

# 1. Find the denort the executables are built on (checked first: a wrong DENORT_BIN stops the
#    build before anything is written).
zip_path=""
deno_dir="${DENO_DIR:-}"
if [ -z "$deno_dir" ]; then
  deno_dir="$(deno info --json 2>/dev/null | sed -nE 's/^ *"denoDir": "(.*)",?$/\1/p' | head -n 1)"
fi
[ -z "$deno_dir" ] || zip_path="$deno_dir/dl/release/v$deno_version/denort-$target.zip"

# Reads bytes of a file as hex ("" when the file is shorter).
hex_at() { od -A n -t x1 -j "$2" -N "$3" "$1" 2>/dev/null | tr -d ' \n'; }

# The executable format a target needs, and the one a file has.
expected_format() {
  case "$1" in
    x86_64-unknown-linux-gnu) echo "ELF x86_64" ;;
    aarch64-unknown-linux-gnu) echo "ELF aarch64" ;;
    x86_64-apple-darwin) echo "Mach-O x86_64" ;;
    aarch64-apple-darwin) echo "Mach-O aarch64" ;;
    x86_64-pc-windows-msvc) echo "PE" ;;
  esac
}
file_format() {
  local magic
  magic="$(hex_at "$1" 0 4)"
  case "$magic" in
    7f454c46)
      case "$(hex_at "$1" 18 2)" in
        3e00) echo "ELF x86_64" ;;
        b700) echo "ELF aarch64" ;;
        *) echo "ELF (other architecture)" ;;
      esac ;;
    cffaedfe)
      case "$(hex_at "$1" 4 4)" in
        07000001) echo "Mach-O x86_64" ;;
        0c000001) echo "Mach-O aarch64" ;;
        *) echo "Mach-O (other architecture)" ;;
      esac ;;
    4d5a*) echo "PE" ;;
    *) echo "not an executable" ;;
  esac
}

# Sets denort_source (how deno compile will find denort) or stops on a wrong DENORT_BIN.
denort_source=""
if [ "$bundle_only" -eq 1 ]; then
  denort_source="unused"
elif [ -n "${DENORT_BIN:-}" ]; then
  [ -f "$DENORT_BIN" ] || die 3 "DENORT_BIN=$DENORT_BIN is not a file; point it at the denort of deno $deno_version for $target"
  # A full deno carries the CLI's help texts; denort carries none of them.
  full_deno=0
  if grep -a -q -F "Compile the script into a self contained executable" "$DENORT_BIN"; then
    full_deno=1
  elif [ "$cross" -eq 0 ] && [ -x "$DENORT_BIN" ]; then
    # A full deno prints "deno <version> ..."; denort only runs an embedded program.
    limit=()
    if command -v timeout >/dev/null 2>&1; then limit=(timeout 10); fi
    if (${limit[@]+"${limit[@]}"} "$DENORT_BIN" --version </dev/null 2>/dev/null || true) | grep -q -E '^deno [0-9]'; then
      full_deno=1
    fi
  fi
  [ "$full_deno" -eq 0 ] || die 3 \
    "DENORT_BIN=$DENORT_BIN is a full deno binary, not denort." \
    "deno compile would accept it, but the executables would start the deno CLI (a REPL) instead" \
    "of the example. Set DENORT_BIN to the denort of deno $deno_version for $target (unzip" \
    "denort-$target.zip of that release), or unset it."
  have="$(file_format "$DENORT_BIN")"
  want="$(expected_format "$target")"
  [ "$have" = "$want" ] || die 3 \
    "DENORT_BIN=$DENORT_BIN is $have, but target $target needs $want." \
    "Point DENORT_BIN at the denort of deno $deno_version for $target."
  grep -a -q -F "$deno_version" "$DENORT_BIN" ||
    echo "compile.sh: warning: no '$deno_version' inside DENORT_BIN; it must be the denort of deno $deno_version" >&2
  denort_source="DENORT_BIN=$DENORT_BIN ($have)"
elif [ -n "$zip_path" ] && [ -f "$zip_path" ]; then
  denort_source="$zip_path"
fi
explain=(
  "no denort for $target (deno $deno_version) is available here, so no executable was built."
  "deno compile builds on denort, the Deno runtime without the CLI; the deno binary does not"
  "contain it. Provide one of:"
  "  1. DENORT_BIN=/path/to/denort: the denort of deno $deno_version for $target"
  "     (denort-$target.zip of that release, unzipped). A full deno binary is refused."
  "  2. The zip itself, not unzipped, at"
  "     ${zip_path:-\$DENO_DIR/dl/release/v$deno_version/denort-$target.zip}"
  "     where deno compile looks first. Copy it from a machine where"
  "     'deno compile --target $target' has run (it downloads"
  "     https://dl.deno.land/release/v$deno_version/denort-$target.zip)."
  "The bundles need no denort: on a host with deno $deno_version, deno run <flags> $dist/<name>.js"
  "(the CLI: $dist/cohesix-bundle/main.js)"
)

# 2. Bundles: plain JavaScript, no deno.json needed to run them. The CLI's subcommands are
#    dynamic imports with literal specifiers, so the bundle holds them all; it is code-split so a
#    command parses only its own chunks (a single file made every command parse all 600 KB: 29 %
#    slower and 2.4 MiB more than running the source; split, it is faster than the source). The
#    examples load nearly all of their code on every run, so they stay one file each.
if [ "$no_bundle" -eq 0 ]; then
  rm -rf "$dist/cohesix-bundle"
  deno bundle --quiet --platform=deno --code-splitting --outdir "$dist/cohesix-bundle" cli/main.ts
  echo "bundle  $dist/cohesix-bundle/main.js   run: deno run ${cli_flags[*]} $dist/cohesix-bundle/main.js"
  for example in $EXAMPLES; do
    deno bundle --quiet --platform=deno -o "$dist/$example.js" "examples/$example.ts"
    set_flags "$example"
    echo "bundle  $dist/$example.js   run: deno run ${flags[*]} $dist/$example.js"
  done
fi
[ "$bundle_only" -eq 0 ] || exit 0

# 3. Executables.
if [ -z "$denort_source" ]; then
  [ "$offline" -eq 0 ] || die 3 "${explain[@]}"
  echo "denort  not cached; deno compile will try to download it"
else
  echo "denort  $denort_source"
fi
exe_dir="$dist"
[ "$cross" -eq 0 ] || exe_dir="$dist/$target"
mkdir -p "$exe_dir"
suffix=""
[ "$target" != "x86_64-pc-windows-msvc" ] || suffix=".exe"
# Prints the failure of a deno compile (its log) and stops.
compile_failed() {
  cat "$2" >&2
  rm -f "$2"
  [ -n "$denort_source" ] || die 3 "${explain[@]}"
  die 1 "deno compile of $1 failed (output above)"
}
output="$exe_dir/cohesix$suffix"
log="$(mktemp)"
deno compile --quiet --target "$target" "${cli_flags[@]}" -o "$output" cli/main.ts >"$log" 2>&1 ||
  compile_failed cli/main.ts "$log"
rm -f "$log"
echo "binary  $output   baked: ${cli_flags[*]}"
for example in $EXAMPLES; do
  set_flags "$example"
  output="$exe_dir/$(binary_name "$example")$suffix"
  log="$(mktemp)"
  deno compile --quiet --target "$target" "${flags[@]}" -o "$output" "examples/$example.ts" >"$log" 2>&1 ||
    compile_failed "examples/$example.ts" "$log"
  rm -f "$log"
  echo "binary  $output   baked: ${flags[*]}"
done
