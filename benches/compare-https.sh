#!/usr/bin/env bash
# compare-https.sh: HTTPS hello-world rate and CPU cost, our `https_hello` example against hyper
# over tokio-rustls (a bench-only hello world on tokio's current-thread runtime, rustls with ring
# as ours, benches/peers/https_hyper) and Node's `https.createServer` (benches/node/https_hello.js),
# from one run. All three are the seed's `https.createServer({ key, cert }, (req, res) => {
# res.writeHead(200); res.end('hello world\n') })`: status 200, body `hello world\n`, no
# Content-Type, with one self-signed ECDSA P-256 certificate made here by openssl.
#
#   benches/compare-https.sh                     # from anywhere; works from the repo root
#   SECS=10 CONNS=128 MODES=close benches/compare-https.sh
#   OURS_CMD="node benches/node/https_hello.js" benches/compare-https.sh   # Node in ours' place
#
# Load: wrk (installed from Debian with apt-get if missing; Debian's is built with OpenSSL, so it
# speaks https) with one thread, CONNS connections and --latency, in two modes:
#   keepalive  requests on kept-alive connections: after the first handshake, TLS is record
#              encryption only;
#   close      `-H "Connection: close"`: one request per connection, so the handshake dominates.
#              wrk keeps its OpenSSL session across reconnects (its ssl_close calls SSL_clear,
#              which keeps a cleanly shut down session), so these are mostly RESUMED handshakes
#              (TLS 1.3 PSK with ECDHE: no certificate, no signature) wherever the server
#              resumes. Seen with strace on this setup: ours and hyper (rustls) resume every
#              connection after the first; Node (OpenSSL) does a full handshake on about half of
#              them, an interplay of wrk's OpenSSL session reuse with OpenSSL's server tickets
#              (Node's own TLS client resumes 19 of 20), which costs Node CPU in this mode.
# Each server runs pinned to CPU 0 (`taskset -c 0`) and wrk to CPU 1, one server at a time, a
# fresh server per run. A server's CPU time is utime+stime from /proc/PID/stat (all its threads)
# sampled just before and just after the load. Output per mode and server: requests per second,
# p99 latency, wrk's errors (socket errors plus non-2xx responses), server CPU seconds and
# requests per server CPU-second; then the ratios ours/hyper and ours/node beside the targets
# (per server CPU-second, both modes: >= 1.0x hyper, >= 3x node). Quote the ratios, not the
# absolute numbers. In close mode wrk's own handshakes are the limit: the servers idle part of
# the time, so req/s says little and req per server CPU-second is the measure.
#
# Environment (defaults in brackets):
#   SECS [5]              seconds per wrk run (whole seconds)
#   CONNS [64]            wrk connections
#   MODES [keepalive close]   which modes to run
#   CERT, KEY             PEM certificate and key for all three servers; when both are unset, a
#                         self-signed P-256 pair for CN=localhost is made with openssl (1 day)
#   OURS_CMD [$TARGET/release/examples/https_hello]
#                         command line for "ours"; `--cert CERT --key KEY` and then the port (0)
#                         are appended, and it must print `listening on HOST:PORT` on stdout
#                         once ready. When set, the example is not built, so the script can be
#                         tried before https_hello exists.
#   HYPER_CMD [benches/peers/https_hyper/target/release/https_hyper]
#                         the same for "hyper"; when unset, the peer (its own cargo workspace) is
#                         built with `cargo build --release --manifest-path
#                         benches/peers/https_hyper/Cargo.toml`
#   NODE_CMD [node benches/node/https_hello.js]   the same for "node"
#   READY_TIMEOUT [10]    seconds to wait for a server's `listening on` line
#   CARGO_TARGET_DIR [target, and benches/peers/https_hyper/target for the peer]
#   RESULTS               a file to append machine-readable results to (benches/lib/results.sh)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

COMPARE=compare-https
# shellcheck source=lib/compare.sh
source benches/lib/compare.sh

SECS=${SECS:-5}
CONNS=${CONNS:-64}
MODES=${MODES:-keepalive close}
READY_TIMEOUT=${READY_TIMEOUT:-10}
TARGET=${CARGO_TARGET_DIR:-target}
NODE_CMD=${NODE_CMD:-node benches/node/https_hello.js}

for v in SECS CONNS READY_TIMEOUT; do
  [[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || die "$v must be a positive whole number, got '${!v}'"
done
read -r -a MODE_LIST <<<"$MODES"
((${#MODE_LIST[@]})) || die "MODES is empty"
for mode in "${MODE_LIST[@]}"; do
  [[ $mode == keepalive || $mode == close ]] || die "MODES: unknown mode '$mode' (keepalive, close)"
done

# --- tools, certificate and builds --------------------------------------------------------------
require_tool wrk wrk
# A wrk built without OpenSSL takes an https URL for plain HTTP and fails every request.
ldd "$(command -v wrk)" 2>/dev/null | grep -q libssl ||
  echo "$COMPARE: warning: wrk does not link libssl; it may not speak https" >&2
command -v node >/dev/null 2>&1 || die "node not found: the Node peer is a Node script"

if [[ -z ${CERT:-} && -z ${KEY:-} ]]; then
  require_tool openssl openssl
  CERT=$TMP/cert.pem KEY=$TMP/key.pem
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=localhost \
    -days 1 -keyout "$KEY" -out "$CERT" 2>"$TMP/openssl.err" ||
    die "openssl could not make a certificate: $(<"$TMP/openssl.err")"
fi
[[ -n ${CERT:-} && -n ${KEY:-} ]] || die "set both CERT and KEY, or neither"
[[ -r $CERT && -r $KEY ]] || die "cannot read CERT ($CERT) or KEY ($KEY)"

if [[ -z ${OURS_CMD:-} ]]; then
  cargo build --release --example https_hello
  OURS_CMD=$TARGET/release/examples/https_hello
fi
[[ -n ${HYPER_CMD:-} ]] || HYPER_CMD=$(peer_cmd https_hyper)

SERVERS=(ours hyper node)
TLS_ARGS="--cert '$CERT' --key '$KEY'"
declare -A CMD=([ours]="$OURS_CMD $TLS_ARGS" [hyper]="$HYPER_CMD $TLS_ARGS" [node]="$NODE_CMD $TLS_ARGS")

# --- load ---------------------------------------------------------------------------------------
# load NAME CMD MODE: one wrk run (MODE keepalive or close) against a fresh server. Sets REQS, RPS,
# P99_MS, ERRORS and CPU_SECS.
load() {
  local name=$1 cmd=$2 mode=$3
  start_server "$name" "$cmd"
  local -a wrk=(wrk -t1 "-c$CONNS" "-d${SECS}s" --latency)
  if [[ $mode == close ]]; then
    wrk+=(-H "Connection: close")
  fi
  wrk+=("https://127.0.0.1:$SERVER_PORT/")
  wrk_load "$name" "$mode" "${wrk[@]}"
  ((REQS > 0)) || die "no request completed against $name ($mode): $(<"$WRK_OUT")"
  echo "  $name $mode: $REQS requests, $RPS req/s, p99 $P99_MS ms, $ERRORS errors, ${CPU_SECS}s server CPU" >&2
}

pinning="servers on CPU 0, wrk on CPU 1"
((${#PIN_SERVER[@]})) || pinning="unpinned"
echo "HTTPS hello: wrk -t1 -c$CONNS -d${SECS}s --latency, modes: $MODES; $pinning" >&2

declare -A LABEL=([keepalive]="keep-alive" [close]="Connection: close")
run_loads "${MODE_LIST[*]}" "${SERVERS[*]}"

# --- report -------------------------------------------------------------------------------------
declare -A TARGET_OF=([hyper]=1.0 [node]=3)

echo
load_table 18 "${MODE_LIST[*]}" "${SERVERS[*]}"
echo "(Connection: close: wrk resumes its TLS session; rustls servers resume every connection, Node about half)"
echo
for mode in "${MODE_LIST[@]}"; do
  for peer in hyper node; do
    rps=$(ratio "${RPS_OF[$mode.ours]}" "${RPS_OF[$mode.$peer]}")
    per=$(ratio "${PER_CPU[$mode.ours]}" "${PER_CPU[$mode.$peer]}")
    printf '%-18s ours/%-6s req/s %7sx   per server CPU-second %7sx (target >= %sx: %s)\n' \
      "${LABEL[$mode]}:" "$peer" "$rps" "$per" "${TARGET_OF[$peer]}" "$(verdict "$per" "${TARGET_OF[$peer]}")"
  done
done

# --- machine-readable results (RESULTS) ---------------------------------------------------------
for mode in "${MODE_LIST[@]}"; do
  setup="wrk -t1 -c$CONNS -d${SECS}s --latency"
  [[ $mode == keepalive ]] || setup+=" -H 'Connection: close' (wrk resumes its TLS session)"
  result https "${LABEL[$mode]}" - setup "$setup; ECDSA P-256; $pinning" -
  for peer in hyper node; do
    result https "${LABEL[$mode]}" "$peer" target "${TARGET_OF[$peer]}" x
  done
done
load_results https "${MODE_LIST[*]}" "${SERVERS[*]}"
