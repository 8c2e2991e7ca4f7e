#!/usr/bin/env bash
# compare-tcp.sh: TCP echo throughput and CPU cost, our `tcp_echo` example against Node's seed
# echo server (`net.createServer(s => s.pipe(s))`, benches/node/net_echo.js), from one run.
#
#   benches/compare-tcp.sh                      # from anywhere; works from the repo root
#   SECS=10 CONNS=4 SIZE=16384 benches/compare-tcp.sh
#   OURS_CMD="node benches/node/net_echo.js" benches/compare-tcp.sh   # Node against itself
#
# Each server runs pinned to CPU 0 (`taskset -c 0`) and the load client (`tcp_load`, which
# verifies every echoed byte) to CPU 1, one server at a time. A server's CPU time is
# utime+stime from /proc/PID/stat (all its threads) sampled just before and just after the load.
# Output: per server GB/s (1e9 bytes of verified echo per second), server CPU seconds and GB per
# server CPU-second, then the ratios ours/node. Quote the ratios, not the absolute numbers.
#
# Environment (defaults in brackets):
#   SECS [5]            load duration in seconds
#   CONNS [8]           concurrent connections
#   SIZE [65536]        bytes per write
#   WINDOW [4*SIZE]     max un-echoed bytes in flight per connection
#   OURS_CMD [$TARGET/release/examples/tcp_echo]
#                       command line for "ours"; the port (0) is appended and it must print
#                       `listening on HOST:PORT` on stdout once ready. When set, the example is
#                       not built, so the script can be tried before tcp_echo exists.
#   NODE_CMD [node benches/node/net_echo.js]   the same for "node"
#   READY_TIMEOUT [10]  seconds to wait for a server's `listening on` line
#   CARGO_TARGET_DIR [target]
#   RESULTS             a file to append machine-readable results to (benches/lib/results.sh)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

COMPARE=compare-tcp
# shellcheck source=lib/compare.sh
source benches/lib/compare.sh

SECS=${SECS:-5}
CONNS=${CONNS:-8}
SIZE=${SIZE:-65536}
WINDOW=${WINDOW:-}
READY_TIMEOUT=${READY_TIMEOUT:-10}
TARGET=${CARGO_TARGET_DIR:-target}
NODE_CMD=${NODE_CMD:-node benches/node/net_echo.js}
LOAD=$TARGET/release/tcp_load

for v in SECS CONNS SIZE READY_TIMEOUT; do
  [[ ${!v} =~ ^[0-9]+([.][0-9]+)?$ ]] || die "$v must be a number, got '${!v}'"
done
[[ -z $WINDOW || $WINDOW =~ ^[0-9]+$ ]] || die "WINDOW must be an integer, got '$WINDOW'"
[[ $READY_TIMEOUT =~ ^[0-9]+$ ]] || die "READY_TIMEOUT must be whole seconds"

# --- build --------------------------------------------------------------------------------------
cargo build --release -p netcore-benches --bin tcp_load
if [[ -z ${OURS_CMD:-} ]]; then
  cargo build --release --example tcp_echo
  OURS_CMD=$TARGET/release/examples/tcp_echo
fi
[[ -x $LOAD ]] || die "$LOAD was not built"

# measure NAME CMD: one load run against one server. Sets GBPS, CPU_SECS and BYTES.
measure() {
  local name=$1 cmd=$2 before after out word
  start_server "$name" "$cmd"
  local -a load=("$LOAD" "127.0.0.1:$SERVER_PORT" --conns "$CONNS" --size "$SIZE" --secs "$SECS")
  [[ -z $WINDOW ]] || load+=(--window "$WINDOW")

  before=$(cpu_ticks "$SERVER_PID") || die "$name server died before the load"
  run_load "$TMP/$name.load" "${load[@]}" || die "load against $name failed (see tcp_load's errors above)"
  out=$(<"$TMP/$name.load")
  after=$(cpu_ticks "$SERVER_PID") || die "$name server died during the load"
  stop_server

  echo "  $name: $out" >&2
  BYTES="" GBPS=""
  for word in $out; do
    case $word in
      bytes=*) BYTES=${word#bytes=} ;;
      gbps=*) GBPS=${word#gbps=} ;;
    esac
  done
  [[ -n $BYTES && -n $GBPS ]] || die "cannot parse tcp_load output: $out"
  CPU_SECS=$(cpu_seconds "$before" "$after")
}

pinning="server on CPU 0, client on CPU 1"
((${#PIN_SERVER[@]})) || pinning="unpinned"
echo "TCP echo: ${SECS}s, $CONNS conns, $SIZE-byte writes, window ${WINDOW:-4*size}; $pinning" >&2

declare -A GB_S CPU GB_PER_CPU
for name in ours node; do
  if [[ $name == ours ]]; then cmd=$OURS_CMD; else cmd=$NODE_CMD; fi
  measure "$name" "$cmd"
  GB_S[$name]=$(awk -v g="$GBPS" 'BEGIN { printf "%.3f", g }')
  CPU[$name]=$CPU_SECS
  GB_PER_CPU[$name]=$(awk -v b="$BYTES" -v c="$CPU_SECS" 'BEGIN { if (c + 0 == 0) print "n/a"; else printf "%.3f", b / 1e9 / c }')
done

printf '%-6s %10s %16s %18s\n' server 'GB/s' 'server CPU s' 'GB / server CPU-s'
for name in ours node; do
  printf '%-6s %10s %16s %18s\n' "$name" "${GB_S[$name]}" "${CPU[$name]}" "${GB_PER_CPU[$name]}"
done
echo "ours/node throughput:     $(ratio "${GB_S[ours]}" "${GB_S[node]}")x"
echo "ours/node per CPU-second: $(ratio "${GB_PER_CPU[ours]}" "${GB_PER_CPU[node]}")x"

scenario='echo'
result tcp "$scenario" - setup "${SECS}s, $CONNS conns, $SIZE-byte writes, window ${WINDOW:-4*size}; $pinning" -
for name in ours node; do
  result tcp "$scenario" "$name" rate "${GB_S[$name]}" 'GB/s'
  result tcp "$scenario" "$name" per_cpu "${GB_PER_CPU[$name]}" 'GB / server CPU-s'
  result tcp "$scenario" "$name" cpu "${CPU[$name]}" 'server CPU s'
done
