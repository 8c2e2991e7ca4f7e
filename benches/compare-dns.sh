#!/usr/bin/env bash
# compare-dns.sh: DNS query rate and client CPU cost, our resolver (`Resolver::resolve4`,
# benches/dns_load.rs) against Node's (`new dns.Resolver()` with `setServers`, `resolve4`: c-ares,
# benches/node/dns_load.js), from one run, both asking the same local unbound.
#
#   benches/compare-dns.sh                      # from anywhere; works from the repo root
#   SECS=10 INFLIGHT=128 benches/compare-dns.sh
#
# The server is unbound (Debian's package; installed when missing), authoritative for a small
# zone written to a temp directory, one thread, 4 MiB socket buffers (so that a burst of
# queries is not dropped before it reads them; the kernel caps this at net.core.rmem_max),
# pinned to CPU 0 (`taskset -c 0`), a fresh one per client. Each client runs pinned to CPU 1 and keeps INFLIGHT `resolve4(www.netcore.test)`
# queries outstanding for SECS seconds (one resolver, one server, 2 s timeout, 2 tries: the
# same settings on both sides), then prints its answered queries, elapsed seconds and its own
# CPU seconds (ours: every thread's schedstat; Node: process.cpuUsage()).
# Output per client: answered queries per wall second, client CPU seconds, queries per client
# CPU-second, errors, the queries unbound counted (equal to the client's: no answer came from a
# client-side cache) and unbound's CPU seconds (utime+stime from /proc/PID/stat around the
# run; near SECS, the server was the limit); then the ratios ours/node. Target: ours >= 2x
# node, per wall second and per client CPU-second. Quote the ratios, not the absolute numbers.
#
# Environment (defaults in brackets):
#   SECS [5]            seconds of load per client
#   INFLIGHT [64]       queries in flight
#   UNBOUND [/usr/sbin/unbound, else unbound on PATH]
#   READY_TIMEOUT [10]  seconds to wait for unbound's `start of service`
#   CARGO_TARGET_DIR [target]
#   RESULTS             a file to append machine-readable results to (benches/lib/results.sh);
#                       `per_cpu` there is per client CPU-second
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

COMPARE=compare-dns
# shellcheck source=lib/compare.sh
source benches/lib/compare.sh

SECS=${SECS:-5}
INFLIGHT=${INFLIGHT:-64}
READY_TIMEOUT=${READY_TIMEOUT:-10}
TARGET=${CARGO_TARGET_DIR:-target}
LOAD=$TARGET/release/dns_load
NAME=www.netcore.test

[[ $SECS =~ ^[0-9]+([.][0-9]+)?$ ]] || die "SECS must be a number, got '$SECS'"
for v in INFLIGHT READY_TIMEOUT; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number, got '${!v}'"
done

if [[ -z ${UNBOUND:-} ]]; then
  if [[ -x /usr/sbin/unbound ]]; then
    UNBOUND=/usr/sbin/unbound
  else
    require_tool unbound unbound
    UNBOUND=$(command -v unbound)
  fi
fi
command -v node >/dev/null 2>&1 || die "node not found: the Node client is a Node script"

# --- build --------------------------------------------------------------------------------------
cargo build --release -p netcore-benches --bin dns_load
[[ -x $LOAD ]] || die "$LOAD was not built"

# --- the server ---------------------------------------------------------------------------------
cat >"$TMP/netcore.test.zone" <<'ZONE'
$ORIGIN netcore.test.
@ 300 IN SOA ns1 hostmaster 1 3600 600 86400 300
@ 300 IN NS ns1
ns1 300 IN A 192.0.2.53
www 60 IN A 192.0.2.1
ZONE

# start_unbound NAME: unbound on a free port of 127.0.0.1, pinned to the server CPU; returns once
# it prints `start of service` on stderr. Sets SERVER_PID, SERVER_PORT and SERVER_FD (its stderr,
# kept open to read its closing statistics).
start_unbound() {
  local name=$1 attempt port fifo fd line deadline log=""
  for attempt in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 40000))
    cat >"$TMP/unbound.conf" <<CONF
server:
  interface: 127.0.0.1
  port: $port
  do-ip6: no
  do-daemonize: no
  num-threads: 1
  username: ""
  chroot: ""
  directory: "$TMP"
  pidfile: ""
  use-syslog: no
  logfile: ""
  verbosity: 1
  access-control: 127.0.0.0/8 allow
  so-rcvbuf: 4m
  so-sndbuf: 4m
  module-config: "iterator"
  local-zone: "test." nodefault
  local-zone: "netcore.test." nodefault
auth-zone:
  name: "netcore.test."
  zonefile: "$TMP/netcore.test.zone"
  for-downstream: yes
  for-upstream: no
CONF
    fifo="$TMP/$name.$attempt.stderr"
    mkfifo "$fifo"
    "${PIN_SERVER[@]}" "$UNBOUND" -d -c "$TMP/unbound.conf" 2>"$fifo" &
    SERVER_PID=$!
    SERVER_PIDS+=("$SERVER_PID")
    exec {fd}<>"$fifo"
    deadline=$((SECONDS + READY_TIMEOUT))
    while ((SECONDS < deadline)); do
      if IFS= read -r -t 0.2 -u "$fd" line; then
        if [[ $line == *"start of service"* ]]; then
          SERVER_PORT=$port
          SERVER_FD=$fd
          return 0
        fi
        log+="  unbound: $line"$'\n'
      elif ! kill -0 "$SERVER_PID" 2>/dev/null; then
        break # port taken, most likely: try another
      fi
    done
    SERVER_FD=$fd
    stop_server
  done
  printf '%s' "$log" >&2
  die "unbound did not start (its lines are above)"
}

# stop_unbound: stops unbound (SIGTERM) and sets SERVED to the queries it counted, from the
# statistics it prints on the way out (`server stats for thread 0: N queries, …`).
stop_unbound() {
  local line
  SERVED="n/a"
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  # unbound is gone, the fifo holds what it wrote; we hold the only writer, so read until empty.
  while IFS= read -r -t 0.2 -u "$SERVER_FD" line; do
    if [[ $line =~ server\ stats\ for\ thread\ 0:\ ([0-9]+)\ queries ]]; then
      SERVED=${BASH_REMATCH[1]}
    fi
  done
  stop_server
}

# measure NAME CMD...: one client run against a fresh unbound. Sets QUERIES, ERRORS, RATE,
# CLIENT_CPU, SERVED and SERVER_CPU.
measure() {
  local name=$1 before after out word
  shift
  start_unbound "$name"
  before=$(cpu_ticks "$SERVER_PID") || die "unbound died before the $name run"
  run_load "$TMP/$name.load" "$@" "127.0.0.1:$SERVER_PORT" --name "$NAME" --inflight "$INFLIGHT" \
    --secs "$SECS" || die "the $name client failed (see its errors above)"
  after=$(cpu_ticks "$SERVER_PID") || die "unbound died during the $name run"
  stop_unbound
  SERVER_CPU=$(cpu_seconds "$before" "$after")
  out=$(<"$TMP/$name.load")
  echo "  $name: $out" >&2
  QUERIES="" ERRORS="" RATE="" CLIENT_CPU=""
  for word in $out; do
    case $word in
      queries=*) QUERIES=${word#queries=} ;;
      errors=*) ERRORS=${word#errors=} ;;
      rate=*) RATE=${word#rate=} ;;
      client_cpu=*) CLIENT_CPU=${word#client_cpu=} ;;
    esac
  done
  [[ -n $QUERIES && -n $ERRORS && -n $RATE && -n $CLIENT_CPU ]] || die "cannot parse $name's output: $out"
}

pinning="unbound on CPU 0, client on CPU 1"
((${#PIN_SERVER[@]})) || pinning="unpinned"
echo "DNS resolve4: ${SECS}s, $INFLIGHT queries in flight, one unbound thread; $pinning" >&2

declare -A RATE_OF CPU PER_CPU ERR SERVED_OF SCPU
for name in ours node; do
  if [[ $name == ours ]]; then
    measure ours "$LOAD"
  else
    measure node node benches/node/dns_load.js
  fi
  RATE_OF[$name]=$RATE
  CPU[$name]=$CLIENT_CPU
  ERR[$name]=$ERRORS
  SERVED_OF[$name]=$SERVED
  SCPU[$name]=$SERVER_CPU
  PER_CPU[$name]=$(awk -v q="$QUERIES" -v c="$CLIENT_CPU" 'BEGIN { if (c + 0 == 0) print "n/a"; else printf "%.0f", q / c }')
  if [[ $SERVED != "n/a" && $SERVED != "$((QUERIES + ERRORS))" ]]; then
    echo "$COMPARE: warning: $name answered $((QUERIES + ERRORS)) queries but unbound counted $SERVED" >&2
  fi
done

printf '%-6s %12s %14s %22s %8s %12s %14s\n' client 'queries/s' 'client CPU s' 'queries / client CPU-s' errors \
  'server saw' 'server CPU s'
for name in ours node; do
  printf '%-6s %12s %14s %22s %8s %12s %14s\n' "$name" "${RATE_OF[$name]}" "${CPU[$name]}" "${PER_CPU[$name]}" \
    "${ERR[$name]}" "${SERVED_OF[$name]}" "${SCPU[$name]}"
done
echo "ours/node queries/s:             $(ratio "${RATE_OF[ours]}" "${RATE_OF[node]}")x (target >= 2x)"
echo "ours/node per client CPU-second: $(ratio "${PER_CPU[ours]}" "${PER_CPU[node]}")x (target >= 2x)"

# --- machine-readable results (RESULTS) ---------------------------------------------------------
scenario=resolve4
result dns "$scenario" - setup "${SECS}s, $INFLIGHT queries in flight, one unbound thread; $pinning" -
for name in ours node; do
  result dns "$scenario" "$name" rate "${RATE_OF[$name]}" 'queries/s'
  result dns "$scenario" "$name" per_cpu "${PER_CPU[$name]}" 'queries / client CPU-s'
  result dns "$scenario" "$name" client_cpu "${CPU[$name]}" 'client CPU s'
  result dns "$scenario" "$name" errors "${ERR[$name]}" 'errors'
  result dns "$scenario" "$name" server_cpu "${SCPU[$name]}" 'unbound CPU s'
done
result dns "$scenario" node target 2 x
