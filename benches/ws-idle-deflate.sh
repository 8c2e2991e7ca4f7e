#!/usr/bin/env bash
# ws-idle-deflate.sh: memory per idle compressed WebSocket connection at 10,000 connections, our
# `ws_echo` example (permessage-deflate on, the default budget of 64 connections per loop that
# keep compression windows; the others compress without context takeover from a shared pool)
# beside Node `ws` (benches/node/ws_idle_deflate.js, `perMessageDeflate: true`: a zlib deflate
# and inflate stream per connection), from one run.
#
#   benches/ws-idle-deflate.sh                  # from anywhere
#   N=2000 SIZE=4096 benches/ws-idle-deflate.sh
#
# One Node `ws` client process (benches/node/ws_idle_deflate.js client) opens N connections to
# each server in turn (200 in flight), each offering permessage-deflate, sending one
# compressible SIZE-byte text message and checking the echo; then all stay idle. Reported per
# server: the connections that agreed on compression, and the server's RSS growth (VmRSS of
# /proc/PID/status, after the echoes and SETTLE seconds idle, minus before the first connection)
# per connection; for Node also its heap (heapUsed + external + arrayBuffers after a full GC)
# per connection, which leaves out zlib's native buffers. RSS is the comparable figure: memory
# touched, whichever allocator. Servers are pinned to CPU 0, the client to CPU 1.
#
# Environment (defaults in brackets):
#   N [10000]          connections
#   SIZE [2048]        bytes in each connection's one message (above the 1024-byte threshold)
#   SETTLE [2]         seconds idle before the measurement
#   READY_TIMEOUT [10] seconds to wait for a server's `listening on` line
#   CONNECT_TIMEOUT [120] seconds to wait for all N echoes
#   CARGO_TARGET_DIR [target]
#   RESULTS            a file to append machine-readable results to (benches/lib/results.sh)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

COMPARE=ws-idle-deflate
# shellcheck source=lib/compare.sh
source benches/lib/compare.sh

N=${N:-10000}
SIZE=${SIZE:-2048}
SETTLE=${SETTLE:-2}
READY_TIMEOUT=${READY_TIMEOUT:-10}
CONNECT_TIMEOUT=${CONNECT_TIMEOUT:-120}
TARGET=${CARGO_TARGET_DIR:-target}
NPM_PREFIX=target/npm
SCRIPT=benches/node/ws_idle_deflate.js
for v in N SIZE SETTLE READY_TIMEOUT CONNECT_TIMEOUT; do
  [[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || die "$v must be a positive whole number, got '${!v}'"
done

# Each server holds N sockets and the client N more (in its own process).
ulimit -n $((N + 1000)) 2>/dev/null || die "cannot raise the open-file limit to $((N + 1000)) (hard: $(ulimit -Hn))"

command -v node >/dev/null 2>&1 || die "node not found: the client and the Node peer are Node scripts"
if [[ ! -f $NPM_PREFIX/node_modules/ws/package.json ]]; then
  command -v npm >/dev/null 2>&1 || die "ws is not installed under $NPM_PREFIX and npm is not found"
  echo "$COMPARE: installing ws under $NPM_PREFIX" >&2
  npm install --no-audit --no-fund --prefix "$NPM_PREFIX" ws@8 >&2 || die "npm install ws@8 failed"
fi
export NODE_PATH="$PWD/$NPM_PREFIX/node_modules${NODE_PATH:+:$NODE_PATH}"

cargo build --release --example ws_echo
OURS_CMD=$TARGET/release/examples/ws_echo
[[ -x $OURS_CMD ]] || die "$OURS_CMD was not built"
NODE_CMD="node --expose-gc $SCRIPT server"

# measure NAME CMD: a fresh server, N idle compressed connections to it. Sets COMPRESSED,
# RSS_GROWTH and, for node, HEAP_GROWTH (else empty).
measure() {
  local name=$1 cmd=$2 rss0 rss1 heap0="" heap1="" line="" client_out="$TMP/$1.client" hold="$TMP/$1.hold"
  start_server "$name" "$cmd"
  sleep 0.5
  rss0=$(rss_bytes "$SERVER_PID") || die "$name server died before the connections"
  [[ $name == node ]] && heap0=$(node_heap)

  # The client holds its connections until its stdin (a FIFO we keep open) closes.
  mkfifo "$hold"
  local hold_fd
  exec {hold_fd}<>"$hold"
  "${PIN_CLIENT[@]}" node "$SCRIPT" client "ws://127.0.0.1:$SERVER_PORT/" "$N" "$SIZE" \
    <"$hold" >"$client_out" {hold_fd}>&- &
  LOAD_PID=$!
  local deadline=$((SECONDS + CONNECT_TIMEOUT))
  until grep -q '^ready ' "$client_out"; do
    kill -0 "$LOAD_PID" 2>/dev/null || die "the client against $name exited: $(cat "$client_out")"
    ((SECONDS < deadline)) || die "not all $N connections to $name echoed within ${CONNECT_TIMEOUT}s"
    sleep 0.2
  done
  line=$(grep '^ready ' "$client_out")
  echo "  $name: client $line" >&2
  COMPRESSED=${line##* }
  sleep "$SETTLE"
  rss1=$(rss_bytes "$SERVER_PID") || die "$name server died with the connections open"
  [[ $name == node ]] && heap1=$(node_heap)

  exec {hold_fd}>&-
  wait "$LOAD_PID" 2>/dev/null || true
  LOAD_PID=""
  stop_server
  RSS_GROWTH=$((rss1 - rss0))
  HEAP_GROWTH=""
  [[ $name == node ]] && HEAP_GROWTH=$((heap1 - heap0))
  return 0
}

# node_heap: asks the Node server (SIGUSR2) for its heap after a full GC.
node_heap() {
  local line
  kill -USR2 "$SERVER_PID"
  while IFS= read -r -t 10 -u "$SERVER_FD" line; do
    if [[ $line == heap\ * ]]; then
      echo "${line#heap }"
      return 0
    fi
  done
  die "the Node server did not report its heap"
}

pinning="servers on CPU 0, client on CPU 1"
((${#PIN_SERVER[@]})) || pinning="unpinned"
echo "idle compressed WebSocket connections: $N x one ${SIZE}-byte message each; $pinning" >&2

declare -A CMP RSS HEAP
for name in ours node; do
  if [[ $name == ours ]]; then cmd=$OURS_CMD; else cmd=$NODE_CMD; fi
  measure "$name" "$cmd"
  CMP[$name]=$COMPRESSED RSS[$name]=$RSS_GROWTH HEAP[$name]=$HEAP_GROWTH
done

echo
printf '%-6s %12s %14s %16s %16s\n' server connections compressed 'RSS/connection' 'heap/connection'
for name in ours node; do
  per_rss=$(awk -v b="${RSS[$name]}" -v n="$N" 'BEGIN { printf "%.1f KiB", b / n / 1024 }')
  per_heap=n/a
  [[ -n ${HEAP[$name]} ]] && per_heap=$(awk -v b="${HEAP[$name]}" -v n="$N" 'BEGIN { printf "%.1f KiB", b / n / 1024 }')
  printf '%-6s %12s %14s %16s %16s\n' "$name" "$N" "${CMP[$name]}" "$per_rss" "$per_heap"
done
echo "(RSS growth of the server process over the N idle connections, divided by N; Node's heap"
echo " leaves out zlib's native buffers)"
echo
printf 'RSS per connection, node/ours: %sx\n' "$(ratio "${RSS[node]}" "${RSS[ours]}")"

# --- machine-readable results (RESULTS) ---------------------------------------------------------
scenario="idle deflate"
result ws "$scenario" - setup "$N idle connections with permessage-deflate, one ${SIZE}-byte message each; server RSS growth per connection; $pinning" -
for name in ours node; do
  result ws "$scenario" "$name" mem_per_conn "$((RSS[$name] / N))" 'bytes RSS / conn'
  result ws "$scenario" "$name" compressed "${CMP[$name]}" 'connections compressed'
  [[ -z ${HEAP[$name]} ]] || result ws "$scenario" "$name" heap_per_conn "$((HEAP[$name] / N))" 'bytes heap / conn'
done
