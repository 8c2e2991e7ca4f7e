#!/usr/bin/env bash
# compare-udp.sh: UDP echo rate and CPU cost, our `udp_echo` example against Node's seed echo
# server (`dgram.createSocket('udp4')` sending every message back, benches/node/dgram_echo.js),
# from one run.
#
#   benches/compare-udp.sh                      # from anywhere; works from the repo root
#   SECS=10 SOCKETS=2 SIZE=1024 benches/compare-udp.sh
#   OURS_CMD="node benches/node/dgram_echo.js" benches/compare-udp.sh   # Node against itself
#
# Each server runs pinned to CPU 0 (`taskset -c 0`) and the load client (`udp_load`, which
# verifies every echoed datagram and counts unanswered ones lost after 50 ms) to CPU 1, one server
# at a time. A server's CPU time is utime+stime from /proc/PID/stat (all its threads) sampled
# just before and just after the load.
# Output: per server echoed datagrams per second, server CPU seconds, datagrams per server
# CPU-second and datagrams lost, then the ratios ours/node. Quote the ratios, not the absolute
# numbers; and look at `lost`: UDP may drop under load, and a server that drops much is faster
# at nothing.
#
# Environment (defaults in brackets):
#   SECS [5]            load duration in seconds
#   SIZE [64]           bytes per datagram (at least 8: udp_load's header)
#   WINDOW [64]         max unanswered datagrams per client socket
#   SOCKETS [4]         client sockets, one client thread each
#   OURS_CMD [$TARGET/release/examples/udp_echo]
#                       command line for "ours"; the port (0) is appended and it must print
#                       `listening on HOST:PORT` on stdout once ready. When set, the example is
#                       not built, so the script can be tried before udp_echo exists.
#   NODE_CMD [node benches/node/dgram_echo.js]   the same for "node"
#   READY_TIMEOUT [10]  seconds to wait for a server's `listening on` line
#   CARGO_TARGET_DIR [target]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

SECS=${SECS:-5}
SIZE=${SIZE:-64}
WINDOW=${WINDOW:-64}
SOCKETS=${SOCKETS:-4}
READY_TIMEOUT=${READY_TIMEOUT:-10}
TARGET=${CARGO_TARGET_DIR:-target}
NODE_CMD=${NODE_CMD:-node benches/node/dgram_echo.js}
LOAD=$TARGET/release/udp_load

die() {
  echo "compare-udp: $*" >&2
  exit 1
}

[[ $SECS =~ ^[0-9]+([.][0-9]+)?$ ]] || die "SECS must be a number, got '$SECS'"
for v in SIZE WINDOW SOCKETS READY_TIMEOUT; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number, got '${!v}'"
done

# --- cleanup: every server we start is killed on any exit ------------------------------------
# Children run in the background and are awaited with `wait`, which a signal interrupts (a
# foreground child would delay the traps until it finished); background children of a script
# ignore SIGINT, so the EXIT trap kills them explicitly.
declare -a SERVER_PIDS=()
LOAD_PID=""
TMP=$(mktemp -d "${TMPDIR:-/tmp}/compare-udp.XXXXXX")

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
  echo "compare-udp: warning: taskset not found (util-linux); running unpinned" >&2
elif ! taskset -c 0 true 2>/dev/null || ! taskset -c 1 true 2>/dev/null; then
  echo "compare-udp: warning: cannot pin to CPUs 0 and 1 (need 2 usable CPUs); running unpinned" >&2
else
  PIN_SERVER=(taskset -c 0)
  PIN_CLIENT=(taskset -c 1)
fi

# --- build --------------------------------------------------------------------------------------
cargo build --release -p netcore-benches --bin udp_load
if [[ -z ${OURS_CMD:-} ]]; then
  cargo build --release --example udp_echo
  OURS_CMD=$TARGET/release/examples/udp_echo
fi
[[ -x $LOAD ]] || die "$LOAD was not built"

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

# start_server NAME CMD: starts CMD with port 0 pinned to the server CPU and waits (at most
# READY_TIMEOUT seconds) for its `listening on HOST:PORT` line. Sets SERVER_PID and SERVER_PORT.
start_server() {
  local name=$1 cmd=$2 fifo="$TMP/$1.stdout" fd line="" partial="" deadline
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

# measure NAME CMD: one load run against one server. Sets DATAGRAMS, LOST, RATE and CPU_SECS.
measure() {
  local name=$1 cmd=$2 before after out word
  start_server "$name" "$cmd"
  local -a load=("$LOAD" "127.0.0.1:$SERVER_PORT" --size "$SIZE" --window "$WINDOW" --secs "$SECS"
    --sockets "$SOCKETS")

  before=$(cpu_ticks "$SERVER_PID") || die "$name server died before the load"
  "${PIN_CLIENT[@]}" "${load[@]}" >"$TMP/$name.load" &
  LOAD_PID=$!
  wait "$LOAD_PID" || die "load against $name failed (see udp_load's errors above)"
  LOAD_PID=""
  out=$(<"$TMP/$name.load")
  after=$(cpu_ticks "$SERVER_PID") || die "$name server died during the load"
  stop_server

  echo "  $name: $out" >&2
  DATAGRAMS="" LOST="" RATE=""
  for word in $out; do
    case $word in
      datagrams=*) DATAGRAMS=${word#datagrams=} ;;
      lost=*) LOST=${word#lost=} ;;
      rate=*) RATE=${word#rate=} ;;
    esac
  done
  [[ -n $DATAGRAMS && -n $LOST && -n $RATE ]] || die "cannot parse udp_load output: $out"
  CPU_SECS=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }')
}

# ratio A B: A/B with 2 decimals, or n/a when either is not a number or B is zero.
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'
}

pinning="server on CPU 0, client on CPU 1"
((${#PIN_SERVER[@]})) || pinning="unpinned"
echo "UDP echo: ${SECS}s, $SOCKETS sockets, $SIZE-byte datagrams, window $WINDOW; $pinning" >&2

declare -A RATE_OF CPU PER_CPU LOST_OF
for name in ours node; do
  if [[ $name == ours ]]; then cmd=$OURS_CMD; else cmd=$NODE_CMD; fi
  measure "$name" "$cmd"
  RATE_OF[$name]=$RATE
  CPU[$name]=$CPU_SECS
  LOST_OF[$name]=$LOST
  PER_CPU[$name]=$(awk -v d="$DATAGRAMS" -v c="$CPU_SECS" 'BEGIN { if (c + 0 == 0) print "n/a"; else printf "%.0f", d / c }')
done

printf '%-6s %14s %14s %24s %10s\n' server 'datagrams/s' 'server CPU s' 'datagrams / server CPU-s' lost
for name in ours node; do
  printf '%-6s %14s %14s %24s %10s\n' "$name" "${RATE_OF[$name]}" "${CPU[$name]}" "${PER_CPU[$name]}" \
    "${LOST_OF[$name]}"
done
echo "ours/node datagrams/s:    $(ratio "${RATE_OF[ours]}" "${RATE_OF[node]}")x"
echo "ours/node per CPU-second: $(ratio "${PER_CPU[ours]}" "${PER_CPU[node]}")x"
