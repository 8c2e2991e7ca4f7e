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
#   RESULTS             a file to append machine-readable results to (benches/lib/results.sh)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

COMPARE=compare-udp
# shellcheck source=lib/compare.sh
source benches/lib/compare.sh

SECS=${SECS:-5}
SIZE=${SIZE:-64}
WINDOW=${WINDOW:-64}
SOCKETS=${SOCKETS:-4}
READY_TIMEOUT=${READY_TIMEOUT:-10}
TARGET=${CARGO_TARGET_DIR:-target}
NODE_CMD=${NODE_CMD:-node benches/node/dgram_echo.js}
LOAD=$TARGET/release/udp_load

[[ $SECS =~ ^[0-9]+([.][0-9]+)?$ ]] || die "SECS must be a number, got '$SECS'"
for v in SIZE WINDOW SOCKETS READY_TIMEOUT; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number, got '${!v}'"
done

# --- build --------------------------------------------------------------------------------------
cargo build --release -p netcore-benches --bin udp_load
if [[ -z ${OURS_CMD:-} ]]; then
  cargo build --release --example udp_echo
  OURS_CMD=$TARGET/release/examples/udp_echo
fi
[[ -x $LOAD ]] || die "$LOAD was not built"

# measure NAME CMD: one load run against one server. Sets DATAGRAMS, LOST, RATE and CPU_SECS.
measure() {
  local name=$1 cmd=$2 before after out word
  start_server "$name" "$cmd"
  local -a load=("$LOAD" "127.0.0.1:$SERVER_PORT" --size "$SIZE" --window "$WINDOW" --secs "$SECS"
    --sockets "$SOCKETS")

  before=$(cpu_ticks "$SERVER_PID") || die "$name server died before the load"
  run_load "$TMP/$name.load" "${load[@]}" || die "load against $name failed (see udp_load's errors above)"
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
  CPU_SECS=$(cpu_seconds "$before" "$after")
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

scenario='echo'
result udp "$scenario" - setup "${SECS}s, $SOCKETS sockets, $SIZE-byte datagrams, window $WINDOW; $pinning" -
for name in ours node; do
  result udp "$scenario" "$name" rate "${RATE_OF[$name]}" 'datagrams/s'
  result udp "$scenario" "$name" per_cpu "${PER_CPU[$name]}" 'datagrams / server CPU-s'
  result udp "$scenario" "$name" cpu "${CPU[$name]}" 'server CPU s'
  result udp "$scenario" "$name" lost "${LOST_OF[$name]}" 'datagrams lost'
done
