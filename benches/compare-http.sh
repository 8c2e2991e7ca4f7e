#!/usr/bin/env bash
# compare-http.sh: HTTP/1.1 hello-world rate, CPU cost and idle memory, our `http_hello` example
# against hyper (a bench-only hello world on tokio's current-thread runtime,
# benches/peers/hyper_hello) and Node's seed server (`http.createServer`,
# benches/node/http_hello.js), from one run. All three answer every request with 200,
# `Content-Type: text/plain` and `Hello, world!\n` on keep-alive connections (Node's seed, with
# writeHead then end, frames the body chunked; hyper sends Content-Length).
#
#   benches/compare-http.sh                     # from anywhere; works from the repo root
#   SECS=10 CONNS=128 DEPTH=32 SKIP_IDLE=1 benches/compare-http.sh
#   OURS_CMD="node benches/node/http_hello.js" benches/compare-http.sh   # Node in ours' place
#
# Load: wrk (installed from Debian with apt-get if missing) with one thread, CONNS keep-alive
# connections and --latency, in two modes: one request per round trip, and DEPTH requests
# pipelined per write (benches/wrk/pipeline.lua). Each server runs pinned to CPU 0
# (`taskset -c 0`) and wrk to CPU 1, one server at a time, a fresh server per run. A server's CPU
# time is utime+stime from /proc/PID/stat (all its threads) sampled just before and just after
# the load. Output per mode and server: requests per second, p99 latency, wrk's errors (socket
# errors plus non-2xx responses), server CPU seconds and requests per server CPU-second; then the
# ratios ours/hyper and ours/node beside the targets (per CPU-second: >= 1.2x hyper and >= 3x
# node without pipelining, >= 1.3x hyper pipelined). Quote the ratios, not the absolute numbers.
# p99 is wrk's (coordinated-omission corrected) and only printed without pipelining: with it,
# wrk 4.1 records one latency per batch of DEPTH but corrects them with an interval computed per
# response, which inflates the tail or makes the percentile 0.
#
# Idle memory: for each server (fresh), benches/node/http_idle_clients.js opens CONNS_IDLE
# connections, each sending one request and reading its response, then holding the connection
# open and silent. Memory is the server's RSS (VmRSS from /proc/PID/status), not its heap: hyper
# and an external `ours` binary have no allocator hook to read, so all three are measured the
# same way. RSS counts what the process touched (allocator slack included, kernel socket buffers
# not). It is sampled after the first tenth of the connections (so one-off costs: lazy
# initialisation, Node's JIT, first buffers, fall before it) and after all of them; the output is
# the growth per connection between the two samples, and `dropped`, the connections the server
# closed meanwhile (which make the number meaningless; Node closes idle keep-alive connections
# after 5 s).
#
# Environment (defaults in brackets):
#   SECS [5]            seconds per wrk run (whole seconds)
#   CONNS [64]          wrk connections
#   DEPTH [16]          requests per write in the pipelined mode
#   CONNS_IDLE [10000]  connections held for the idle-memory measure; the open-file limit is
#                       raised to CONNS_IDLE + 1024 if the hard limit allows
#   SKIP_IDLE [0]       1 skips the idle-memory measure
#   OURS_CMD [$TARGET/release/examples/http_hello]
#                       command line for "ours"; the port (0) is appended and it must print
#                       `listening on HOST:PORT` on stdout once ready. When set, the example is
#                       not built, so the script can be tried before http_hello exists.
#   HYPER_CMD [benches/peers/hyper_hello/target/release/hyper_hello]
#                       the same for "hyper"; when unset, the peer (its own cargo workspace) is
#                       built with `cargo build --release --manifest-path
#                       benches/peers/hyper_hello/Cargo.toml`
#   NODE_CMD [node benches/node/http_hello.js]   the same for "node"
#   FLOOR_CMD [$TARGET/release/http_floor]        the same for "floor" (built when unset)
#   READY_TIMEOUT [10]  seconds to wait for a server's `listening on` line
#   CARGO_TARGET_DIR [target, and benches/peers/hyper_hello/target for the peer]
#   RESULTS             a file to append machine-readable results to (benches/lib/results.sh);
#                       `floor` is the ceiling there
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

COMPARE=compare-http
# shellcheck source=lib/compare.sh
source benches/lib/compare.sh

SECS=${SECS:-5}
CONNS=${CONNS:-64}
DEPTH=${DEPTH:-16}
CONNS_IDLE=${CONNS_IDLE:-10000}
SKIP_IDLE=${SKIP_IDLE:-0}
READY_TIMEOUT=${READY_TIMEOUT:-10}
TARGET=${CARGO_TARGET_DIR:-target}
NODE_CMD=${NODE_CMD:-node benches/node/http_hello.js}
PIPELINE_LUA=benches/wrk/pipeline.lua
IDLE_CLIENTS=benches/node/http_idle_clients.js
# Pause before each RSS sample, for frees and writes in flight to land.
IDLE_SETTLE=0.5
# Seconds the idle client may take for one phase (opening and answering its connections).
IDLE_TIMEOUT=60

for v in SECS CONNS DEPTH CONNS_IDLE READY_TIMEOUT; do
  [[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || die "$v must be a positive whole number, got '${!v}'"
done
[[ $SKIP_IDLE == 0 || $SKIP_IDLE == 1 ]] || die "SKIP_IDLE must be 0 or 1, got '$SKIP_IDLE'"

# --- tools and builds ---------------------------------------------------------------------------
require_tool wrk wrk
if [[ $SKIP_IDLE == 0 ]]; then
  command -v node >/dev/null 2>&1 || die "node not found: the idle measure's client is a Node script"
fi
if [[ -z ${OURS_CMD:-} ]]; then
  cargo build --release --example http_hello
  OURS_CMD=$TARGET/release/examples/http_hello
fi
[[ -n ${HYPER_CMD:-} ]] || HYPER_CMD=$(peer_cmd hyper_hello)

if [[ -z ${FLOOR_CMD:-} ]]; then
  cargo build --release -p netcore-benches --bin http_floor
  FLOOR_CMD=$TARGET/release/http_floor
fi

# The HTTP servers; the floor joins them under load only (its idle memory says nothing).
SERVERS=(ours hyper node)
LOADED=(ours hyper node floor)
declare -A CMD=([ours]=$OURS_CMD [hyper]=$HYPER_CMD [node]=$NODE_CMD [floor]=$FLOOR_CMD)

# --- load ---------------------------------------------------------------------------------------
# load NAME CMD MODE: one wrk run (MODE plain or pipelined) against a fresh server. Sets REQS,
# RPS, P99_MS, ERRORS and CPU_SECS.
load() {
  local name=$1 cmd=$2 mode=$3
  start_server "$name" "$cmd"
  local -a wrk=(wrk -t1 "-c$CONNS" "-d${SECS}s" --latency)
  if [[ $mode == pipelined ]]; then
    wrk+=(-s "$PIPELINE_LUA" "http://127.0.0.1:$SERVER_PORT/" -- "$DEPTH")
  else
    wrk+=("http://127.0.0.1:$SERVER_PORT/")
  fi
  wrk_load "$name" "$mode" "${wrk[@]}"
  # wrk 4.1 records one latency per pipelined batch but corrects for coordinated omission with an
  # interval computed per response (DEPTH times too short): the tail it prints is inflated, or 0
  # when its synthetic samples land below the minimum. Such a p99 is not a measure.
  if [[ $mode == pipelined || $P99_MS == 0.00 ]]; then
    P99_MS=n/a
  fi
  local p99=n/a
  [[ $P99_MS == n/a ]] || p99="$P99_MS ms"
  echo "  $name $mode: $REQS requests, $RPS req/s, p99 $p99, $ERRORS errors, ${CPU_SECS}s server CPU" >&2
}

pinning="servers on CPU 0, wrk on CPU 1"
((${#PIN_SERVER[@]})) || pinning="unpinned"
echo "HTTP hello: wrk -t1 -c$CONNS -d${SECS}s --latency, plain and $DEPTH-deep pipelined; $pinning" >&2

MODES=(plain pipelined)
declare -A LABEL=([plain]="no pipelining" [pipelined]="pipelined x$DEPTH")
run_loads "${MODES[*]}" "${LOADED[*]}"

# --- idle memory --------------------------------------------------------------------------------
# client_line FD WHAT: sets LINE to the idle client's next stdout line; dies if the client exits
# or takes more than IDLE_TIMEOUT seconds (WHAT says what it was doing).
client_line() {
  local fd=$1 what=$2 line="" partial="" deadline=$((SECONDS + IDLE_TIMEOUT))
  while ((SECONDS < deadline)); do
    if IFS= read -r -t 0.2 -u "$fd" line; then
      LINE=$partial$line
      return 0
    fi
    partial+=$line # a timed-out read keeps what it got so far
    kill -0 "$LOAD_PID" 2>/dev/null || die "idle client exited while $what"
  done
  die "idle client still $what after ${IDLE_TIMEOUT}s"
}

# idle NAME CMD: idle keep-alive memory of a fresh server. Sets RSS0, RSS1, PER_CONN, DROPPED.
idle() {
  local name=$1 cmd=$2 to from
  local in=$TMP/$name.idle.in out=$TMP/$name.idle.out
  start_server "$name" "$cmd"
  rm -f "$in" "$out"
  mkfifo "$in" "$out"
  "${PIN_CLIENT[@]}" node "$IDLE_CLIENTS" "127.0.0.1:$SERVER_PORT" "$CONNS_IDLE" "$IDLE_WARM" \
    <"$in" >"$out" &
  LOAD_PID=$!
  # Both opened read-write so neither open blocks, even if the client dies first. Closing `to`
  # is then the client's end of input: nothing else writes to it.
  exec {to}<>"$in" {from}<>"$out"

  client_line "$from" "opening $IDLE_WARM connections"
  [[ $LINE == "held $IDLE_WARM" ]] || die "idle client against $name: unexpected '$LINE'"
  sleep "$IDLE_SETTLE"
  RSS0=$(rss_bytes "$SERVER_PID") || die "$name server died holding $IDLE_WARM connections"
  echo go >&"$to"
  client_line "$from" "opening $CONNS_IDLE connections"
  [[ $LINE == "held $CONNS_IDLE" ]] || die "idle client against $name: unexpected '$LINE'"
  sleep "$IDLE_SETTLE"
  RSS1=$(rss_bytes "$SERVER_PID") || die "$name server died holding $CONNS_IDLE connections"
  exec {to}>&-
  client_line "$from" "closing"
  [[ $LINE =~ ^dropped\ ([0-9]+)$ ]] || die "idle client against $name: unexpected '$LINE'"
  DROPPED=${BASH_REMATCH[1]}
  wait "$LOAD_PID" || die "idle client against $name failed"
  LOAD_PID=""
  exec {from}>&-
  stop_server

  PER_CONN=$(awk -v a="$RSS0" -v b="$RSS1" -v n=$((CONNS_IDLE - IDLE_WARM)) 'BEGIN { printf "%.0f", (b - a) / n }')
  echo "  $name idle: RSS $RSS0 -> $RSS1 bytes, $PER_CONN bytes per connection, $DROPPED dropped" >&2
}

declare -A IDLE_PER IDLE_RSS0 IDLE_RSS1 IDLE_DROPPED
if [[ $SKIP_IDLE == 0 ]]; then
  # Server and client each hold CONNS_IDLE sockets, plus their own few.
  need=$((CONNS_IDLE + 1024))
  have=$(ulimit -n)
  if [[ $have != unlimited ]] && ((have < need)); then
    ulimit -n "$need" 2>/dev/null ||
      die "open-file limit $have (hard $(ulimit -Hn)) is below CONNS_IDLE + 1024 = $need; raise it or lower CONNS_IDLE"
  fi
  IDLE_WARM=$((CONNS_IDLE / 10))
  echo "idle memory: $CONNS_IDLE keep-alive connections, RSS sampled at $IDLE_WARM and $CONNS_IDLE" >&2
  for name in "${SERVERS[@]}"; do
    idle "$name" "${CMD[$name]}"
    IDLE_PER[$name]=$PER_CONN
    IDLE_RSS0[$name]=$RSS0
    IDLE_RSS1[$name]=$RSS1
    IDLE_DROPPED[$name]=$DROPPED
  done
fi

# --- report -------------------------------------------------------------------------------------
declare -A TARGET_OF=([plain.hyper]=1.2 [plain.node]=3 [pipelined.hyper]=1.3)

echo
load_table 16 "${MODES[*]}" "${LOADED[*]}"
echo "(p99 n/a when pipelined: wrk 4.1 corrects the per-batch latency as if per response)"
echo
for mode in "${MODES[@]}"; do
  for peer in hyper node; do
    rps=$(ratio "${RPS_OF[$mode.ours]}" "${RPS_OF[$mode.$peer]}")
    per=$(ratio "${PER_CPU[$mode.ours]}" "${PER_CPU[$mode.$peer]}")
    target=""
    if [[ -n ${TARGET_OF[$mode.$peer]:-} ]]; then
      target=" (target >= ${TARGET_OF[$mode.$peer]}x: $(verdict "$per" "${TARGET_OF[$mode.$peer]}"))"
    fi
    printf '%-16s ours/%-6s req/s %7sx   per CPU-second %7sx%s\n' "${LABEL[$mode]}:" "$peer" "$rps" \
      "$per" "$target"
  done
done
echo
echo "the floor (no HTTP, the same syscalls): the most a server of this design can have over a peer"
for mode in "${MODES[@]}"; do
  for peer in hyper node; do
    printf '%-16s floor/%-5s per CPU-second %7sx\n' "${LABEL[$mode]}:" "$peer" \
      "$(ratio "${PER_CPU[$mode.floor]}" "${PER_CPU[$mode.$peer]}")"
  done
  printf '%-16s ours/floor  per CPU-second %7sx\n' "${LABEL[$mode]}:" \
    "$(ratio "${PER_CPU[$mode.ours]}" "${PER_CPU[$mode.floor]}")"
done

if [[ $SKIP_IDLE == 0 ]]; then
  echo
  echo "idle keep-alive memory: server RSS growth from $IDLE_WARM to $CONNS_IDLE connections, per connection"
  echo "(RSS, not heap, for all three: no allocator hook in hyper or an external binary)"
  printf '%-6s %12s %16s %16s %8s\n' server 'bytes/conn' "RSS at $IDLE_WARM" "RSS at $CONNS_IDLE" dropped
  for name in "${SERVERS[@]}"; do
    printf '%-6s %12s %16s %16s %8s\n' "$name" "${IDLE_PER[$name]}" "${IDLE_RSS0[$name]}" \
      "${IDLE_RSS1[$name]}" "${IDLE_DROPPED[$name]}"
  done
  echo "ours/hyper bytes per idle connection: $(ratio "${IDLE_PER[ours]}" "${IDLE_PER[hyper]}")x (lower is better)"
  echo "ours/node bytes per idle connection:  $(ratio "${IDLE_PER[ours]}" "${IDLE_PER[node]}")x (lower is better)"
  for name in "${SERVERS[@]}"; do
    if ((IDLE_DROPPED[$name] > 0)); then
      echo "warning: $name closed ${IDLE_DROPPED[$name]} idle connections during the measure; its number is not per held connection" >&2
    fi
  done
fi

# --- machine-readable results (RESULTS) ---------------------------------------------------------
for mode in "${MODES[@]}"; do
  setup="wrk -t1 -c$CONNS -d${SECS}s --latency"
  [[ $mode == plain ]] || setup+=", $DEPTH requests per write (p99 not measured)"
  result http "${LABEL[$mode]}" - setup "$setup; $pinning" -
done
load_results http "${MODES[*]}" "${LOADED[*]}"
for k in "${!TARGET_OF[@]}"; do
  result http "${LABEL[${k%%.*}]}" "${k#*.}" target "${TARGET_OF[$k]}" x
done
if [[ $SKIP_IDLE == 0 ]]; then
  scenario="idle keep-alive"
  result http "$scenario" - setup "RSS growth from $IDLE_WARM to $CONNS_IDLE held connections, per connection" -
  for name in "${SERVERS[@]}"; do
    result http "$scenario" "$name" mem_per_conn "${IDLE_PER[$name]}" 'bytes RSS / conn'
    result http "$scenario" "$name" dropped "${IDLE_DROPPED[$name]}" 'connections dropped'
  done
fi
