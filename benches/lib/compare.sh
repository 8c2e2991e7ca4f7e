# shellcheck shell=bash
# Shared by benches/compare-*.sh (sourced, not run): cleanup of every process started, CPU
# pinning, starting a server and waiting for its `listening on` line, running a pinned load
# client, wrk runs against servers with their CPU cost and the table of them, CPU and memory
# accounting from /proc, ratios and verdicts, building a bench peer, installing a missing
# Debian tool, and (benches/lib/results.sh) machine-readable results when RESULTS is set.
# The sourcing script sets COMPARE (its name, for messages and the temp directory) first, and
# READY_TIMEOUT before it starts a server.

# shellcheck source=lib/results.sh
source benches/lib/results.sh

die() {
  echo "$COMPARE: $*" >&2
  exit 1
}

# --- cleanup: every server we start is killed on any exit ------------------------------------
# Children run in the background and are awaited with `wait`, which a signal interrupts (a
# foreground child would delay the traps until it finished); background children of a script
# ignore SIGINT, so the EXIT trap kills them explicitly.
declare -a SERVER_PIDS=()
LOAD_PID=""
TMP=$(mktemp -d "${TMPDIR:-/tmp}/$COMPARE.XXXXXX")

cleanup() {
  local pid
  for pid in $LOAD_PID "${SERVER_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- pinning ----------------------------------------------------------------------------------
PIN_SERVER=()
PIN_CLIENT=()
if ! command -v taskset >/dev/null 2>&1; then
  echo "$COMPARE: warning: taskset not found (util-linux); running unpinned" >&2
elif ! taskset -c 0 true 2>/dev/null || ! taskset -c 1 true 2>/dev/null; then
  echo "$COMPARE: warning: cannot pin to CPUs 0 and 1 (need 2 usable CPUs); running unpinned" >&2
else
  PIN_SERVER=(taskset -c 0)
  PIN_CLIENT=(taskset -c 1)
fi

# CPU time of a live process in clock ticks: utime + stime, fields 14 and 15 of
# /proc/PID/stat (proc(5)). The command name (field 2) may hold spaces or ')', so split after
# its last ')': the first word there is field 3.
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() {
  local stat
  stat=$(<"/proc/$1/stat") || return 1
  stat=${stat##*) }
  local -a f
  read -r -a f <<<"$stat"
  echo $((f[11] + f[12]))
}

# cpu_seconds BEFORE AFTER: the CPU seconds between two cpu_ticks samples, 2 decimals.
cpu_seconds() {
  awk -v t=$(($2 - $1)) -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }'
}

# rss_bytes PID: resident set size of a live process (VmRSS of /proc/PID/status, proc(5)), in
# bytes. Memory the process touched, whichever allocator: kernel socket buffers are not in it.
rss_bytes() {
  local key value
  while read -r key value _; do
    if [[ $key == VmRSS: ]]; then
      echo $((value * 1024))
      return 0
    fi
  done <"/proc/$1/status" || return 1
  return 1
}

# start_server NAME CMD: starts CMD with port 0 pinned to the server CPU and waits (at most
# READY_TIMEOUT seconds) for its `listening on HOST:PORT` line. Sets SERVER_PID and SERVER_PORT.
start_server() {
  local name=$1 cmd=$2 fifo="$TMP/$1.stdout" fd line="" partial="" deadline
  rm -f "$fifo" # left by an earlier server of the same name
  mkfifo "$fifo"
  # `exec` keeps the PID we record the server's own, for /proc/PID/stat and kill.
  "${PIN_SERVER[@]}" bash -c "exec $cmd 0" >"$fifo" &
  SERVER_PID=$!
  SERVER_PIDS+=("$SERVER_PID")
  # Opened read-write so the open never blocks, even if the server dies before opening its end.
  exec {fd}<>"$fifo"
  deadline=$((SECONDS + READY_TIMEOUT))
  SERVER_PORT=""
  while ((SECONDS < deadline)); do
    if IFS= read -r -t 0.2 -u "$fd" line; then
      line=$partial$line
      partial=""
      echo "  $name: $line" >&2
      if [[ $line =~ listening\ on\ .*:([0-9]+)[[:space:]]*$ ]]; then
        SERVER_PORT=${BASH_REMATCH[1]}
        break
      fi
    else
      partial+=$line # a timed-out read keeps what it got so far
      kill -0 "$SERVER_PID" 2>/dev/null || die "$name server ($cmd) exited before listening"
    fi
  done
  [[ -n $SERVER_PORT ]] || die "$name server ($cmd) did not print 'listening on' within ${READY_TIMEOUT}s"
  # Keep the read end open (the server may print more) until the server is gone.
  SERVER_FD=$fd
}

# stop_server: kills the server started last and forgets it.
stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  exec {SERVER_FD}<&-
  local -a left=()
  local pid
  for pid in "${SERVER_PIDS[@]}"; do
    [[ $pid == "$SERVER_PID" ]] || left+=("$pid")
  done
  SERVER_PIDS=("${left[@]}")
}

# run_load OUT CMD...: runs a load client pinned to the client CPU, stdout to OUT, and waits for
# it; returns its exit status. Recorded in LOAD_PID meanwhile, so cleanup kills it on any exit.
run_load() {
  local out=$1 rc=0
  shift
  "${PIN_CLIENT[@]}" "$@" >"$out" &
  LOAD_PID=$!
  wait "$LOAD_PID" || rc=$?
  LOAD_PID=""
  return "$rc"
}

# wrk_load NAME MODE WRK...: runs the wrk command line WRK... (with run_load) against the server
# started last, its CPU time sampled just before and just after, then stops the server. Sets
# CPU_SECS, WRK_OUT (the file holding wrk's output) and, from wrk's summary, REQS, RPS, P99_MS
# (milliseconds, 2 decimals) and ERRORS (socket errors plus non-2xx or 3xx responses). Dies,
# naming NAME and MODE, when the server dies, wrk fails or its summary does not parse.
wrk_load() {
  local name=$1 mode=$2 before after parsed
  shift 2
  WRK_OUT=$TMP/$name.$mode.wrk
  before=$(cpu_ticks "$SERVER_PID") || die "$name server died before the load"
  run_load "$WRK_OUT" "$@" || die "wrk against $name ($mode) failed: $(<"$WRK_OUT")"
  after=$(cpu_ticks "$SERVER_PID") || die "$name server died during the load"
  stop_server
  CPU_SECS=$(cpu_seconds "$before" "$after")

  # wrk's summary: `N requests in Ts, ...`, `Requests/sec: R`, the --latency table's `99% Xunit`
  # (us, ms, s or m), and, when nonzero, `Socket errors: connect a, read b, write c, timeout d`
  # and `Non-2xx or 3xx responses: n`.
  parsed=$(awk '
    / requests in / { reqs = $1 }
    /^Requests\/sec:/ { rps = $2 }
    /^ +99% / {
      v = $2; u = v; sub(/^[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
      p99 = u == "us" ? v / 1000 : u == "ms" ? v : u == "s" ? v * 1000 : u == "m" ? v * 60000 : ""
    }
    /^ +Socket errors:/ { for (i = 3; i <= NF; i += 2) { x = $(i + 1); sub(/,/, "", x); err += x } }
    /^ +Non-2xx or 3xx responses:/ { err += $NF }
    END { if (reqs != "" && rps != "" && p99 != "") printf "%s %s %.2f %d", reqs, rps, p99, err }
  ' "$WRK_OUT")
  [[ -n $parsed ]] || die "cannot parse wrk's output against $name ($mode): $(<"$WRK_OUT")"
  read -r REQS RPS P99_MS ERRORS <<<"$parsed"
}

# The figures of wrk runs, by `MODE.SERVER` (see record_load).
declare -A RPS_OF=() P99_OF=() ERR_OF=() CPU_OF=() PER_CPU=()

# record_load KEY: keeps the figures of the last wrk_load (and P99_MS as the script left it)
# under KEY, `MODE.SERVER`: in RPS_OF (rounded), P99_OF, ERR_OF, CPU_OF, and PER_CPU (requests
# per server CPU-second, rounded, or n/a).
record_load() {
  local k=$1
  RPS_OF[$k]=$(awk -v r="$RPS" 'BEGIN { printf "%.0f", r }')
  P99_OF[$k]=$P99_MS
  ERR_OF[$k]=$ERRORS
  CPU_OF[$k]=$CPU_SECS
  PER_CPU[$k]=$(awk -v r="$REQS" -v c="$CPU_SECS" 'BEGIN { if (c + 0 == 0) print "n/a"; else printf "%.0f", r / c }')
}

# run_loads MODES SERVERS: for each of the words of MODES, then each of SERVERS, the script's
# `load NAME CMD MODE` (CMD from the script's CMD array), its figures then kept by record_load.
run_loads() {
  local mode name
  local -a modes servers
  read -r -a modes <<<"$1"
  read -r -a servers <<<"$2"
  for mode in "${modes[@]}"; do
    for name in "${servers[@]}"; do
      load "$name" "${CMD[$name]}" "$mode"
      record_load "$mode.$name"
    done
  done
}

# load_table WIDTH MODES SERVERS: prints the table of the figures record_load kept, a row for
# each of the words of MODES (labelled from LABEL, WIDTH characters wide), then each of SERVERS.
load_table() {
  local width=$1 mode name k
  local -a modes servers
  read -r -a modes <<<"$2"
  read -r -a servers <<<"$3"
  printf "%-${width}s %-6s %10s %9s %7s %13s %19s\n" mode server 'req/s' 'p99 ms' errors 'server CPU s' \
    'req / server CPU-s'
  for mode in "${modes[@]}"; do
    for name in "${servers[@]}"; do
      k=$mode.$name
      printf "%-${width}s %-6s %10s %9s %7s %13s %19s\n" "${LABEL[$mode]}" "$name" "${RPS_OF[$k]}" \
        "${P99_OF[$k]}" "${ERR_OF[$k]}" "${CPU_OF[$k]}" "${PER_CPU[$k]}"
    done
  done
}

# load_results LAYER MODES SERVERS: the figures record_load kept, as results (see
# benches/lib/results.sh) of LAYER, a scenario per word of MODES (named from LABEL), a server per
# word of SERVERS.
load_results() {
  local layer=$1 mode name k
  local -a modes servers
  read -r -a modes <<<"$2"
  read -r -a servers <<<"$3"
  for mode in "${modes[@]}"; do
    for name in "${servers[@]}"; do
      k=$mode.$name
      result "$layer" "${LABEL[$mode]}" "$name" rate "${RPS_OF[$k]}" 'req/s'
      result "$layer" "${LABEL[$mode]}" "$name" per_cpu "${PER_CPU[$k]}" 'req / server CPU-s'
      result "$layer" "${LABEL[$mode]}" "$name" cpu "${CPU_OF[$k]}" 'server CPU s'
      result "$layer" "${LABEL[$mode]}" "$name" p99_ms "${P99_OF[$k]}" 'ms'
      result "$layer" "${LABEL[$mode]}" "$name" errors "${ERR_OF[$k]}" 'errors'
    done
  done
}

# verdict RATIO TARGET: `met` or `MISSED` (or n/a) for a ratio against its minimum.
verdict() {
  awk -v r="$1" -v t="$2" 'BEGIN { if (r !~ /^[0-9.]+$/) print "n/a"; else if (r + 0 >= t) print "met"; else print "MISSED" }'
}

# peer_cmd NAME: builds the bench-only peer NAME (benches/peers/NAME, its own cargo workspace) in
# release and prints its binary's path.
peer_cmd() {
  local dir=benches/peers/$1 bin
  cargo build --release --manifest-path "$dir/Cargo.toml" >&2
  bin=${CARGO_TARGET_DIR:-$dir/target}/release/$1
  [[ -x $bin ]] || die "$bin was not built"
  echo "$bin"
}

# ratio A B: A/B with 2 decimals, or n/a when either is not a number or B is zero.
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'
}

# require_tool CMD PACKAGE: makes sure CMD is on PATH, installing the Debian PACKAGE with apt-get
# (through sudo unless root; refreshing the package lists once if the first try fails) when it
# is not. Dies with what to do by hand if that fails.
require_tool() {
  local cmd=$1 pkg=$2
  command -v "$cmd" >/dev/null 2>&1 && return 0
  local -a as_root=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null 2>&1 || die "$cmd not found, and neither root nor sudo to install it: run 'apt-get install -y $pkg' as root"
    as_root=(sudo)
  fi
  command -v apt-get >/dev/null 2>&1 || die "$cmd not found and no apt-get: install $pkg by hand"
  echo "$COMPARE: $cmd not found; installing the Debian package $pkg" >&2
  if ! "${as_root[@]}" apt-get install -y "$pkg" >&2; then
    if ! "${as_root[@]}" apt-get update >&2 || ! "${as_root[@]}" apt-get install -y "$pkg" >&2; then
      die "could not install $pkg with apt-get (see above); install it by hand"
    fi
  fi
  command -v "$cmd" >/dev/null 2>&1 || die "$pkg installed but $cmd is still not on PATH"
}
