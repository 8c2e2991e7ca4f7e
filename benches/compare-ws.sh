#!/usr/bin/env bash
# compare-ws.sh: WebSocket echo rate and CPU cost, our `ws_echo` example against tokio-tungstenite
# and fastwebsockets (bench-only echo servers on tokio's current-thread runtime,
# benches/peers/ws_tungstenite and benches/peers/ws_fastwebsockets) and Node's `ws`
# (benches/node/ws_echo.js), from one run. All four echo every text or binary message as it came;
# none compresses (our example offers permessage-deflate, but the load client does not ask).
#
#   benches/compare-ws.sh                       # from anywhere; works from the repo root
#   SECS=10 MODES=small SMALL_WINDOW=128 benches/compare-ws.sh
#   OURS_CMD="node benches/node/ws_echo.js" benches/compare-ws.sh    # Node in ours' place
#
# Load: one `ws_load` client (benches/ws_load.rs: one thread on mio; minimal handshake, no
# extension offered; frames built and masked once at start, so sending a message costs it
# nothing but its share of a write; echoes checked by their frame headers, lengths and a sample
# of payload bytes), in two modes:
#   small  SMALL_CONNS connections x SMALL_SIZE-byte binary messages, SMALL_WINDOW in flight per
#          connection: many frames arrive in one read, and a server that flushes the replies to
#          one read together needs one write where another needs one per message. The window
#          is what keeps the fast servers busy: at 64 ours and tungstenite idle about half the
#          time here, waiting on the round trip; at 256 they are at 90 % or more;
#   large  LARGE_CONNS connection(s) x LARGE_SIZE-byte binary messages, LARGE_WINDOW in flight.
# Each server runs pinned to CPU 0 (`taskset -c 0`) and ws_load to CPU 1, one server at a time,
# a fresh server per run. A server's CPU time is utime+stime from /proc/PID/stat (all its
# threads) sampled just before and just after the load (handshakes and the drain included).
# Output per mode and server: messages per second, MB/s (1e6 payload bytes echoed), server CPU
# seconds, messages and MB per server CPU-second, and ws_load's own CPU seconds (near the run's
# length, the client was the limit); then the ratios ours/each peer beside the targets, per
# server CPU-second: small, >= 1.0x the best Rust peer and >= 10x node; large, >= 1.2x the best
# peer. Quote the ratios, not the absolute numbers.
#
# Environment (defaults in brackets):
#   SECS [5]            seconds of load per run
#   MODES [small large] which modes to run
#   SMALL_CONNS [64]  SMALL_SIZE [32]       SMALL_WINDOW [256]
#   LARGE_CONNS [1]   LARGE_SIZE [1048576]  LARGE_WINDOW [2]
#                       connections, payload bytes per message and messages in flight per
#                       connection, per mode
#   OURS_CMD [$TARGET/release/examples/ws_echo]
#                       command line for "ours"; the port (0) is appended and it must print
#                       `listening on HOST:PORT` on stdout once ready. When set, the example is
#                       not built.
#   TUNGSTENITE_CMD [benches/peers/ws_tungstenite/target/release/ws_tungstenite]
#   FASTWS_CMD [benches/peers/ws_fastwebsockets/target/release/ws_fastwebsockets]
#                       the same for the Rust peers; when unset, each (its own cargo workspace)
#                       is built with `cargo build --release --manifest-path
#                       benches/peers/NAME/Cargo.toml`
#   NODE_CMD [node benches/node/ws_echo.js]   the same for "node"; NODE_PATH gets
#                       target/npm/node_modules, where `ws` is installed (`npm install
#                       --no-audit --no-fund --prefix target/npm ws@8`) when missing
#   READY_TIMEOUT [10]  seconds to wait for a server's `listening on` line
#   CARGO_TARGET_DIR [target, and benches/peers/NAME/target for the peers]
#   RESULTS             a file to append machine-readable results to (benches/lib/results.sh)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

COMPARE=compare-ws
# shellcheck source=lib/compare.sh
source benches/lib/compare.sh

SECS=${SECS:-5}
MODES=${MODES:-small large}
SMALL_CONNS=${SMALL_CONNS:-64}
SMALL_SIZE=${SMALL_SIZE:-32}
SMALL_WINDOW=${SMALL_WINDOW:-256}
LARGE_CONNS=${LARGE_CONNS:-1}
LARGE_SIZE=${LARGE_SIZE:-1048576}
LARGE_WINDOW=${LARGE_WINDOW:-2}
READY_TIMEOUT=${READY_TIMEOUT:-10}
TARGET=${CARGO_TARGET_DIR:-target}
NODE_CMD=${NODE_CMD:-node benches/node/ws_echo.js}
NPM_PREFIX=target/npm
LOAD=$TARGET/release/ws_load

for v in SMALL_CONNS SMALL_SIZE SMALL_WINDOW LARGE_CONNS LARGE_SIZE LARGE_WINDOW READY_TIMEOUT; do
  [[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || die "$v must be a positive whole number, got '${!v}'"
done
[[ $SECS =~ ^[0-9]+([.][0-9]+)?$ ]] || die "SECS must be a number, got '$SECS'"
read -r -a MODE_LIST <<<"$MODES"
((${#MODE_LIST[@]})) || die "MODES is empty"
for mode in "${MODE_LIST[@]}"; do
  [[ $mode == small || $mode == large ]] || die "MODES: unknown mode '$mode' (small, large)"
done

# --- tools and builds ---------------------------------------------------------------------------
command -v node >/dev/null 2>&1 || die "node not found: the Node peer is a Node script"
if [[ ! -f $NPM_PREFIX/node_modules/ws/package.json ]]; then
  command -v npm >/dev/null 2>&1 || die "ws is not installed under $NPM_PREFIX and npm is not found"
  echo "$COMPARE: installing ws under $NPM_PREFIX" >&2
  npm install --no-audit --no-fund --prefix "$NPM_PREFIX" ws@8 >&2 || die "npm install ws@8 failed"
fi
export NODE_PATH="$PWD/$NPM_PREFIX/node_modules${NODE_PATH:+:$NODE_PATH}"

cargo build --release -p netcore-benches --bin ws_load
[[ -x $LOAD ]] || die "$LOAD was not built"
if [[ -z ${OURS_CMD:-} ]]; then
  cargo build --release --example ws_echo
  OURS_CMD=$TARGET/release/examples/ws_echo
fi
# Peers are built by benches/lib/compare.sh's peer_cmd.
[[ -n ${TUNGSTENITE_CMD:-} ]] || TUNGSTENITE_CMD=$(peer_cmd ws_tungstenite)
[[ -n ${FASTWS_CMD:-} ]] || FASTWS_CMD=$(peer_cmd ws_fastwebsockets)

SERVERS=(ours tungstenite fastws node)
RUST_PEERS=(tungstenite fastws)
PEERS=(tungstenite fastws node)
declare -A CMD=([ours]=$OURS_CMD [tungstenite]=$TUNGSTENITE_CMD [fastws]=$FASTWS_CMD [node]=$NODE_CMD)
declare -A CONNS_OF=([small]=$SMALL_CONNS [large]=$LARGE_CONNS)
declare -A SIZE_OF=([small]=$SMALL_SIZE [large]=$LARGE_SIZE)
declare -A WINDOW_OF=([small]=$SMALL_WINDOW [large]=$LARGE_WINDOW)

# --- load ---------------------------------------------------------------------------------------
# measure NAME CMD MODE: one ws_load run against a fresh server. Sets MESSAGES, BYTES, ELAPSED,
# CLIENT_CPU and CPU_SECS.
measure() {
  local name=$1 cmd=$2 mode=$3 before after out word
  start_server "$name" "$cmd"
  local -a load=("$LOAD" "127.0.0.1:$SERVER_PORT" --conns "${CONNS_OF[$mode]}"
    --size "${SIZE_OF[$mode]}" --window "${WINDOW_OF[$mode]}" --secs "$SECS")

  before=$(cpu_ticks "$SERVER_PID") || die "$name server died before the load"
  run_load "$TMP/$name.$mode.load" "${load[@]}" || die "load against $name ($mode) failed (see ws_load's errors above)"
  out=$(<"$TMP/$name.$mode.load")
  after=$(cpu_ticks "$SERVER_PID") || die "$name server died during the load"
  stop_server
  CPU_SECS=$(cpu_seconds "$before" "$after")

  echo "  $name $mode: $out, ${CPU_SECS}s server CPU" >&2
  MESSAGES="" BYTES="" ELAPSED="" CLIENT_CPU=""
  for word in $out; do
    case $word in
      messages=*) MESSAGES=${word#messages=} ;;
      bytes=*) BYTES=${word#bytes=} ;;
      secs=*) ELAPSED=${word#secs=} ;;
      client_cpu=*) CLIENT_CPU=${word#client_cpu=} ;;
    esac
  done
  [[ -n $MESSAGES && -n $BYTES && -n $ELAPSED && -n $CLIENT_CPU ]] || die "cannot parse ws_load output: $out"
}

pinning="servers on CPU 0, ws_load on CPU 1"
((${#PIN_SERVER[@]})) || pinning="unpinned"
echo "WebSocket echo: ${SECS}s per run, modes: $MODES; $pinning" >&2

declare -A LABEL MSG_S MB_S CPU_OF CLIENT_OF MSG_PER_CPU MB_PER_CPU
for mode in "${MODE_LIST[@]}"; do
  LABEL[$mode]="$mode ${CONNS_OF[$mode]}x${SIZE_OF[$mode]}B w${WINDOW_OF[$mode]}"
  for name in "${SERVERS[@]}"; do
    measure "$name" "${CMD[$name]}" "$mode"
    k=$mode.$name
    rates=$(awk -v m="$MESSAGES" -v b="$BYTES" -v s="$ELAPSED" -v c="$CPU_SECS" 'BEGIN {
      if (s + 0 == 0) printf "n/a n/a "; else printf "%.0f %.1f ", m / s, b / 1e6 / s
      if (c + 0 == 0) print "n/a n/a"; else printf "%.0f %.1f\n", m / c, b / 1e6 / c
    }')
    read -r msg_s mb_s msg_cpu mb_cpu <<<"$rates"
    MSG_S[$k]=$msg_s MB_S[$k]=$mb_s MSG_PER_CPU[$k]=$msg_cpu MB_PER_CPU[$k]=$mb_cpu
    CPU_OF[$k]=$CPU_SECS
    CLIENT_OF[$k]=$CLIENT_CPU
  done
done

# --- report -------------------------------------------------------------------------------------
# best MODE METRIC NAME...: the NAME with the highest METRIC (an array name) in MODE.
best() {
  local mode=$1 metric=$2 name top="" topv=-1
  shift 2
  local -n of=$metric
  for name in "$@"; do
    if awk -v a="${of[$mode.$name]}" -v b="$topv" 'BEGIN { exit !(a ~ /^[0-9.]+$/ && a + 0 > b + 0) }'; then
      top=$name topv=${of[$mode.$name]}
    fi
  done
  echo "$top"
}

echo
printf '%-26s %-12s %10s %9s %8s %12s %10s %8s\n' mode server 'msg/s' 'MB/s' 'srv CPU' \
  'msg/srv CPU-s' 'MB/CPU-s' 'cli CPU'
for mode in "${MODE_LIST[@]}"; do
  for name in "${SERVERS[@]}"; do
    k=$mode.$name
    printf '%-26s %-12s %10s %9s %8s %12s %10s %8s\n' "${LABEL[$mode]}" "$name" "${MSG_S[$k]}" \
      "${MB_S[$k]}" "${CPU_OF[$k]}" "${MSG_PER_CPU[$k]}" "${MB_PER_CPU[$k]}" "${CLIENT_OF[$k]}"
  done
done
echo "(srv CPU and cli CPU in seconds over a ${SECS}s run; a client near ${SECS}s was the limit)"
echo
for mode in "${MODE_LIST[@]}"; do
  for peer in "${PEERS[@]}"; do
    printf '%-6s ours/%-12s msg/s %7sx   per server CPU-second %7sx\n' "$mode:" "$peer" \
      "$(ratio "${MSG_S[$mode.ours]}" "${MSG_S[$mode.$peer]}")" \
      "$(ratio "${MSG_PER_CPU[$mode.ours]}" "${MSG_PER_CPU[$mode.$peer]}")"
  done
done
echo
echo "targets (per server CPU-second):"
# target WHAT RATIO MIN: one target line.
target() {
  printf '  %-36s %7sx   target >= %sx: %s\n' "$1" "$2" "$3" "$(verdict "$2" "$3")"
}
for mode in "${MODE_LIST[@]}"; do
  if [[ $mode == small ]]; then
    top=$(best small MSG_PER_CPU "${RUST_PEERS[@]}")
    if [[ -n $top ]]; then
      target "small: ours/best Rust peer ($top)" "$(ratio "${MSG_PER_CPU[small.ours]}" "${MSG_PER_CPU[small.$top]}")" 1.0
    else
      echo "  small: ours/best Rust peer: n/a (no Rust peer measured a rate)"
    fi
    target "small: ours/node" "$(ratio "${MSG_PER_CPU[small.ours]}" "${MSG_PER_CPU[small.node]}")" 10
  else
    top=$(best large MB_PER_CPU "${PEERS[@]}")
    if [[ -n $top ]]; then
      target "large: ours/best peer ($top)" "$(ratio "${MB_PER_CPU[large.ours]}" "${MB_PER_CPU[large.$top]}")" 1.2
    else
      echo "  large: ours/best peer: n/a (no peer measured a rate)"
    fi
  fi
done

# --- machine-readable results (RESULTS) ---------------------------------------------------------
# Messages for small, MB for large, as the targets above. A target against the best peer is the
# same target against each: ours/best >= t if and only if ours/peer >= t for every peer.
for mode in "${MODE_LIST[@]}"; do
  result ws "${LABEL[$mode]}" - setup "ws_load ${SECS}s, ${CONNS_OF[$mode]} conns x ${SIZE_OF[$mode]}-byte binary messages, ${WINDOW_OF[$mode]} in flight per conn; $pinning" -
  for name in "${SERVERS[@]}"; do
    k=$mode.$name
    if [[ $mode == small ]]; then
      result ws "${LABEL[$mode]}" "$name" rate "${MSG_S[$k]}" 'msg/s'
      result ws "${LABEL[$mode]}" "$name" per_cpu "${MSG_PER_CPU[$k]}" 'msg / server CPU-s'
      result ws "${LABEL[$mode]}" "$name" mb_rate "${MB_S[$k]}" 'MB/s'
    else
      result ws "${LABEL[$mode]}" "$name" rate "${MB_S[$k]}" 'MB/s'
      result ws "${LABEL[$mode]}" "$name" per_cpu "${MB_PER_CPU[$k]}" 'MB / server CPU-s'
      result ws "${LABEL[$mode]}" "$name" msg_rate "${MSG_S[$k]}" 'msg/s'
    fi
    result ws "${LABEL[$mode]}" "$name" cpu "${CPU_OF[$k]}" 'server CPU s'
    result ws "${LABEL[$mode]}" "$name" client_cpu "${CLIENT_OF[$k]}" 'client CPU s'
  done
  if [[ $mode == small ]]; then
    for peer in "${RUST_PEERS[@]}"; do
      result ws "${LABEL[$mode]}" "$peer" target 1.0 x
    done
    result ws "${LABEL[$mode]}" node target 10 x
  else
    for peer in "${PEERS[@]}"; do
      result ws "${LABEL[$mode]}" "$peer" target 1.2 x
    done
  fi
done
