#!/usr/bin/env bash
# autobahn.sh: the Autobahn|Testsuite against our WebSocket server and client, on loopback.
#
#   scripts/autobahn.sh server [CASES]   wstest's fuzzingclient against our `ws_echo` example
#   scripts/autobahn.sh client [CASES]   wstest's fuzzingserver against our `ws_autobahn_client`
#   scripts/autobahn.sh all [CASES]      both
#   scripts/autobahn.sh node [CASES]     the fuzzingclient against Node `ws`'s echo server
#                                        (benches/node/ws_echo.js), for comparison
#
# CASES: comma-separated case patterns, `-` in front to exclude (default "*,-9.*": every case
# but the slow 9.* group, which is what .ci/run runs); e.g. "1.*,2.*", "9.*", "*".
#
# wstest (PyPI autobahntestsuite 25.10.1) is Python 2.7 code. It is installed on first use into
# $AUTOBAHN_HOME (default target/autobahn) as a virtualenv made from CPython 2.7 ($PYTHON2, else
# pyenv's versions/2.7.*, else python2.7 on PATH) with virtualenv 20.21.1 (the last release that
# creates 2.7 environments), from the pinned scripts/autobahn/requirements-py27.txt.
#
# Output: a summary per case group (OK, NON-STRICT, INFORMATIONAL, UNIMPLEMENTED, FAILED) and
# the wall time of each group; reports under $AUTOBAHN_HOME/reports/{server,client}. Exit status
# 1 if any case FAILED or is UNIMPLEMENTED, 2 on a harness error.
#
# Environment: AUTOBAHN_HOME, PYTHON2, WSTEST_TIMEOUT (seconds, default 3000),
# CARGO_TARGET_DIR.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
MODE=${1:-}
CASES=${2:-"*,-9.*"}
HOME_DIR=${AUTOBAHN_HOME:-$ROOT/target/autobahn}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
TIMEOUT=${WSTEST_TIMEOUT:-3000}
HERE=$ROOT/scripts/autobahn

die() {
  echo "autobahn.sh: $*" >&2
  exit 2
}

case $MODE in
  server | client | all | node) ;;
  *) die "usage: scripts/autobahn.sh server|client|all|node [CASES]" ;;
esac

# --- wstest ---------------------------------------------------------------------------------
python2() {
  if [[ -n ${PYTHON2:-} ]]; then
    echo "$PYTHON2"
    return
  fi
  local root=${PYENV_ROOT:-$HOME/.pyenv} p
  if command -v pyenv >/dev/null 2>&1; then root=$(pyenv root); fi
  p=$(ls -d "$root"/versions/2.7*/bin/python2.7 2>/dev/null | sort -V | tail -1 || true)
  [[ -n $p ]] && { echo "$p"; return; }
  command -v python2.7 || true
}

VENV=$HOME_DIR/venv
if ! "$VENV/bin/python" -c 'import autobahntestsuite' >/dev/null 2>&1; then
  PY2=$(python2)
  [[ -n $PY2 ]] && "$PY2" -c 'import sys; assert sys.version_info[:2] == (2, 7)' 2>/dev/null ||
    die "no CPython 2.7 found (set PYTHON2): wstest is Python 2.7 code"
  echo "autobahn.sh: installing wstest into $VENV (Python 2.7 at $PY2)" >&2
  rm -rf "$VENV" "$HOME_DIR/boot"
  mkdir -p "$HOME_DIR"
  python3 -m venv "$HOME_DIR/boot"
  "$HOME_DIR/boot/bin/pip" install -q --disable-pip-version-check "virtualenv==20.21.1"
  "$HOME_DIR/boot/bin/virtualenv" -q -p "$PY2" "$VENV"
  PIP_NO_PYTHON_VERSION_WARNING=1 "$VENV/bin/pip" install -q --disable-pip-version-check \
    -r "$HERE/requirements-py27.txt"
fi
WSTEST=("$VENV/bin/python" "$HERE/wstest_loopback.py")

# --- helpers --------------------------------------------------------------------------------
# spec FILE KEY VALUE: a wstest spec with the case patterns of $CASES.
spec() {
  python3 - "$1" "$2" "$3" "$CASES" <<'PY'
import json, os, sys
path, key, value, cases = sys.argv[1:]
inc = [c.strip() for c in cases.split(",") if c.strip() and not c.strip().startswith("-")]
exc = [c.strip()[1:] for c in cases.split(",") if c.strip().startswith("-")]
spec = {"outdir": "reports", "cases": inc or ["*"], "exclude-cases": exc, "exclude-agent-cases": {}}
if key == "servers":
    spec["servers"] = [{"agent": os.environ.get("AGENT", "netcore"), "url": value}]
else:
    spec["url"] = value
    # The fuzzing server's report web page would take port 8080; any free port will do.
    spec["webport"] = 0
json.dump(spec, open(path, "w"), indent=2)
PY
}

# summarize INDEX: counts by group and verdict; exit 1 on FAILED or UNIMPLEMENTED.
summarize() {
  python3 - "$1" <<'PY'
import collections, json, sys
index = json.load(open(sys.argv[1]))
bad = 0
for agent, cases in index.items():
    groups = collections.OrderedDict()
    def key(c):
        return [int(x) for x in c.split(".")]
    for case in sorted(cases, key=key):
        r = cases[case]
        g = groups.setdefault(case.split(".")[0], collections.Counter())
        g[r["behavior"]] += 1
        if r["behaviorClose"] not in ("OK", "INFORMATIONAL"):
            g["close " + r["behaviorClose"]] += 1
        g["ms"] += r.get("duration", 0)
        if r["behavior"] in ("FAILED", "UNIMPLEMENTED") or r["behaviorClose"] in ("FAILED", "UNIMPLEMENTED"):
            bad += 1
            print("  %s %s (close: %s)" % (case, r["behavior"], r["behaviorClose"]))
    print("%s: %d cases" % (agent, len(cases)))
    for g, c in groups.items():
        ms = c.pop("ms")
        print("  %-3s %s  (%.1f s of cases)" % (g + ".*", ", ".join("%s %d" % kv for kv in sorted(c.items())), ms / 1000.0))
sys.exit(1 if bad else 0)
PY
}

wait_listening() { # FILE PID: waits for `listening on ADDR`, prints ADDR
  local i
  for i in $(seq 100); do
    if grep -q "listening on" "$1" 2>/dev/null; then
      sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$1" | head -1
      return 0
    fi
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

status=0

# --- a server under the fuzzing client ---------------------------------------------------------
# fuzz_server NAME CMD...: starts the echo server CMD (port 0 appended; it prints `listening on
# ADDR`) and runs the fuzzing client against it.
fuzz_server() {
  local name=$1 addr start
  shift
  run=$HOME_DIR/reports/$name
  rm -rf "$run" && mkdir -p "$run"
  "$@" 0 >"$run/server.log" 2>&1 &
  PIDS+=($!)
  addr=$(wait_listening "$run/server.log" "${PIDS[-1]}") || die "$name did not start: $(cat "$run/server.log")"
  AGENT=$name spec "$run/spec.json" servers "ws://$addr"
  echo "autobahn.sh: fuzzingclient against $name at $addr, cases $CASES" >&2
  start=$SECONDS
  (cd "$run" && timeout "$TIMEOUT" "${WSTEST[@]}" -m fuzzingclient -s spec.json >wstest.log 2>&1) ||
    die "wstest fuzzingclient failed (see $run/wstest.log)"
  echo "$name: wall $((SECONDS - start)) s"
}

if [[ $MODE == node ]]; then
  [[ -f target/npm/node_modules/ws/package.json ]] ||
    npm install --silent --no-audit --no-fund --prefix target/npm ws@8.23.0
  NODE_PATH=$ROOT/target/npm/node_modules fuzz_server node node "$ROOT/benches/node/ws_echo.js"
  summarize "$(find "$run/reports" -name index.json | head -1)" || status=1
fi

# --- our server under the fuzzing client ------------------------------------------------------
if [[ $MODE == server || $MODE == all ]]; then
  cargo build -q --release --example ws_echo
  fuzz_server server "$TARGET/release/examples/ws_echo"
  summarize "$(find "$run/reports" -name index.json | head -1)" || status=1
fi

# --- our client against the fuzzing server ----------------------------------------------------
if [[ $MODE == client || $MODE == all ]]; then
  cargo build -q --release --example ws_autobahn_client
  run=$HOME_DIR/reports/client
  rm -rf "$run" && mkdir -p "$run"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  spec "$run/spec.json" url "ws://127.0.0.1:$port"
  (cd "$run" && exec timeout "$TIMEOUT" "${WSTEST[@]}" -m fuzzingserver -s spec.json >wstest.log 2>&1) &
  PIDS+=($!)
  for _ in $(seq 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break
    sleep 0.2
  done
  echo "autobahn.sh: ws_autobahn_client against fuzzingserver at 127.0.0.1:$port, cases $CASES" >&2
  start=$SECONDS
  "$TARGET/release/examples/ws_autobahn_client" "ws://127.0.0.1:$port" netcore >"$run/client.log" 2>&1 ||
    die "ws_autobahn_client failed: $(tail -5 "$run/client.log")"
  echo "client: wall $((SECONDS - start)) s"
  summarize "$(find "$run/reports" -name index.json | head -1)" || status=1
fi
exit $status
