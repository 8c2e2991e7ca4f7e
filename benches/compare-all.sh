#!/usr/bin/env bash
# compare-all.sh: runs every side-by-side benchmark script in one go and writes
# docs/BENCHMARKS.md (a table per layer: ours, each peer, the ceiling where one is measured, the
# ratios, the machine) and one bar chart per layer, docs/bench/LAYER.svg, drawn from the
# measured numbers by benches/report.py (Python 3, standard library only).
#
#   benches/compare-all.sh                      # from anywhere; works from the repo root
#   SECS=10 benches/compare-all.sh
#   ONLY="compare-http compare-ws" benches/compare-all.sh    # rerun some, keep the others' results
#
# Scripts, in order: compare-tcp, idle-heap, compare-udp, compare-http, compare-https, compare-ws,
# ws-idle-deflate, compare-dns. Each runs with RESULTS set (benches/lib/results.sh) and its own
# output shown and kept in LOGS/NAME.log; its results land in docs/bench/results/NAME.tsv with
# NAME.meta (when it ran, how long it took, whether it failed) beside them. A script that fails
# is run again, up to RETRIES more times (a build running beside it on a 2-core machine can
# starve or break a run); a script that still fails has its results removed and is reported as
# failed. The report is then made from every NAME.tsv present, so a run with ONLY replaces the
# named scripts' results and keeps the others'. The machine (CPU model, cores, kernel, rustc,
# node, wrk, load average) is recorded in docs/bench/machine.tsv at each run. NAME.meta also
# says how busy other work kept the CPUs in the second before the script (a warning at
# BUSY_LIMIT or more) and what share of all CPU time it took while the script ran (the machine's
# busy time less our own children's; a warning at 10 % or more): on a shared machine, set
# WAIT_QUIET, or rerun a noisy script with ONLY when it is quiet.
#
# Every figure comes from one run of its script: quote the ratios, not the absolute numbers.
#
# Environment (defaults in brackets):
#   SECS [each script's own: 5]   seconds of load per run, passed to every load script
#   SKIP_IDLE [0]       1 skips the idle-memory measures (compare-http's, idle-heap.sh and
#                       ws-idle-deflate.sh: 10,000 connections each)
#   ONLY [all]          the scripts to run, by name (compare-tcp, idle-heap, ...)
#   RETRIES [1]         extra attempts for a script that fails
#   WAIT_QUIET [0]      seconds to wait at most, before each script, for other work to leave
#                       the CPUs under BUSY_LIMIT [25] % busy (sampled over a second)
#   LOGS [target/bench-logs]   where each script's full output is kept (NAME.log; a failed
#                       attempt's in NAME.failed-N.log)
#   PYTHON [python3]    runs benches/report.py
#   COMMIT [git rev-parse --short HEAD, and whether the tree differs]   the code measured, as
#                       the report names it (for a run from an exported copy of the tree)
# Anything else (CONNS, OURS_CMD, ...) reaches the scripts as it is; mind that several read the
# same names.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

die() {
  echo "compare-all: $*" >&2
  exit 1
}

ALL=(compare-tcp idle-heap compare-udp compare-http compare-https compare-ws ws-idle-deflate compare-dns)
# Memory-only scripts, skipped with SKIP_IDLE=1.
declare -A IDLE_ONLY=([idle-heap]=1 [ws-idle-deflate]=1)

SKIP_IDLE=${SKIP_IDLE:-0}
RETRIES=${RETRIES:-1}
WAIT_QUIET=${WAIT_QUIET:-0}
BUSY_LIMIT=${BUSY_LIMIT:-25}
LOGS=${LOGS:-target/bench-logs}
PYTHON=${PYTHON:-python3}
OUT_DIR=docs/bench
RESULT_DIR=$OUT_DIR/results

[[ $SKIP_IDLE == 0 || $SKIP_IDLE == 1 ]] || die "SKIP_IDLE must be 0 or 1, got '$SKIP_IDLE'"
for v in RETRIES WAIT_QUIET BUSY_LIMIT; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number, got '${!v}'"
done
if [[ -n ${SECS:-} ]]; then
  [[ $SECS =~ ^[0-9]+$ && $SECS -gt 0 ]] || die "SECS must be a positive whole number (wrk takes whole seconds), got '$SECS'"
  export SECS
fi
export SKIP_IDLE
command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found: benches/report.py needs Python 3"

declare -a RUN=()
if [[ -n ${ONLY:-} ]]; then
  read -r -a RUN <<<"$ONLY"
  for name in "${RUN[@]}"; do
    [[ " ${ALL[*]} " == *" $name "* ]] || die "ONLY: unknown script '$name' (one of: ${ALL[*]})"
  done
else
  RUN=("${ALL[@]}")
fi

mkdir -p "$RESULT_DIR" "$LOGS"

# --- the machine --------------------------------------------------------------------------------
# version CMD...: the first line CMD prints (stdout or stderr), or `not found`.
version() {
  command -v "$1" >/dev/null 2>&1 || {
    echo "not found"
    return 0
  }
  "$@" 2>&1 | head -n 1 || true
}

# cpu_busy SECS: how busy all CPUs were over the next SECS seconds (from /proc/stat's cpu line:
# everything but idle and iowait), as a percentage of all of them: before the run, other work.
cpu_busy() {
  local -a a b
  read -r -a a </proc/stat
  sleep "$1"
  read -r -a b </proc/stat
  awk -v u0="${a[1]}" -v n0="${a[2]}" -v s0="${a[3]}" -v i0="${a[4]}" -v w0="${a[5]}" -v q0="${a[6]}" \
    -v sq0="${a[7]}" -v st0="${a[8]}" -v u1="${b[1]}" -v n1="${b[2]}" -v s1="${b[3]}" -v i1="${b[4]}" \
    -v w1="${b[5]}" -v q1="${b[6]}" -v sq1="${b[7]}" -v st1="${b[8]}" 'BEGIN {
      busy = (u1 - u0) + (n1 - n0) + (s1 - s0) + (q1 - q0) + (sq1 - sq0) + (st1 - st0)
      all = busy + (i1 - i0) + (w1 - w0)
      printf "%.0f", (all > 0 ? 100 * busy / all : 0)
    }'
}

# cpu_now: `BUSY ALL OURS` in clock ticks: all CPUs' busy and total time so far (/proc/stat's cpu
# line; busy is all but idle and iowait) and the CPU time of this shell's reaped children
# (cutime + cstime, fields 16 and 17 of /proc/$$/stat): the scripts run so far, with everything
# they waited for.
cpu_now() {
  local -a c f
  local stat
  read -r -a c </proc/stat
  stat=$(<"/proc/$$/stat")
  stat=${stat##*) } # after the command name: field 3 first
  read -r -a f <<<"$stat"
  echo "$((c[1] + c[2] + c[3] + c[6] + c[7] + c[8])) $((c[1] + c[2] + c[3] + c[4] + c[5] + c[6] + c[7] + c[8])) $((f[13] + f[14]))"
}

# others_between BEFORE AFTER: the share (%) of all CPUs' time that was busy but not ours between
# two cpu_now samples: other work on the machine.
others_between() {
  local -a a b
  read -r -a a <<<"$1"
  read -r -a b <<<"$2"
  local all=$((b[1] - a[1])) others=$((b[0] - a[0] - (b[2] - a[2])))
  ((others > 0)) || others=0
  if ((all > 0)); then echo $((100 * others / all)); else echo 0; fi
}

machine() {
  local cpu hyper="" commit
  cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  grep -qw hypervisor /proc/cpuinfo && hyper=" (virtual machine)"
  printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
  printf 'cpu\t%s%s\n' "${cpu:-unknown}" "$hyper"
  local online usable
  online=$(getconf _NPROCESSORS_ONLN) usable=$(nproc)
  if [[ $online == "$usable" ]]; then
    printf 'cores\t%s\n' "$online"
  else
    printf 'cores\t%s (%s usable here)\n' "$online" "$usable"
  fi
  printf 'kernel\t%s\n' "$(uname -sr)"
  printf 'rustc\t%s\n' "$(version rustc --version)"
  printf 'node\t%s\n' "$(version node --version)"
  printf 'wrk\t%s\n' "$(version wrk -v | awk '{ print $1, $2 }')"
  printf 'unbound\t%s\n' "$(version /usr/sbin/unbound -V)"
  commit=${COMMIT:-}
  if [[ -z $commit ]]; then
    commit=$(git rev-parse --short HEAD 2>/dev/null) || commit=unknown
    [[ $commit == unknown ]] || git diff --quiet HEAD -- 2>/dev/null || commit+=" with uncommitted changes"
  fi
  printf 'commit\t%s\n' "$commit"
  printf 'loadavg\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf 'secs\t%s\n' "${SECS:-the default of each script (5)}"
  printf 'invocation\t%s\n' "$(printf '%s ' ${SECS:+SECS=$SECS} ${ONLY:+ONLY=\"$ONLY\"} \
    "SKIP_IDLE=$SKIP_IDLE" "WAIT_QUIET=$WAIT_QUIET")benches/compare-all.sh"
}

# --- the runs -----------------------------------------------------------------------------------
# run_one NAME: runs benches/NAME.sh with RESULTS set, retrying on failure; writes NAME.tsv (on
# success) and NAME.meta. Returns nonzero if every attempt failed.
run_one() {
  local name=$1 attempt=0 start rc busy before others tsv=$RESULT_DIR/$1.tsv meta=$RESULT_DIR/$1.meta
  local log=$LOGS/$1.log tmp=$RESULT_DIR/.$1.tsv.part
  while :; do
    attempt=$((attempt + 1))
    : >"$tmp"
    busy=$(cpu_busy 1)
    local waited=0
    while ((busy >= BUSY_LIMIT && waited < WAIT_QUIET)); do
      ((waited > 0)) || echo "compare-all: CPUs $busy % busy; waiting up to ${WAIT_QUIET}s for under $BUSY_LIMIT % before $name" >&2
      sleep 4
      busy=$(cpu_busy 1)
      waited=$((waited + 5))
    done
    echo "=== $name (attempt $attempt; CPUs $busy % busy before it; log $log) ===" >&2
    ((busy < BUSY_LIMIT)) || echo "compare-all: warning: other work keeps the CPUs $busy % busy; $name's figures will be noisy" >&2
    start=$SECONDS
    before=$(cpu_now)
    set +e
    RESULTS="$PWD/$tmp" "benches/$name.sh" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    set -e
    others=$(others_between "$before" "$(cpu_now)")
    ((others < 10)) || echo "compare-all: warning: other work used $others % of the CPUs while $name ran; its figures are noisy" >&2
    if ((rc == 0)) && [[ -s $tmp ]]; then
      mv "$tmp" "$tsv"
      printf 'finished\t%s\nseconds\t%s\nattempts\t%s\nbusy_before\t%s\nothers_during\t%s\nstatus\tok\n' \
        "$(date -u '+%Y-%m-%d %H:%M UTC')" $((SECONDS - start)) "$attempt" "$busy" "$others" >"$meta"
      return 0
    fi
    ((rc != 0)) || rc="no results"
    mv "$log" "$LOGS/$name.failed-$attempt.log"
    echo "compare-all: $name failed ($rc) on attempt $attempt; its output is kept in $LOGS/$name.failed-$attempt.log" >&2
    if ((attempt > RETRIES)); then
      rm -f "$tmp" "$tsv"
      printf 'finished\t%s\nseconds\t%s\nattempts\t%s\nbusy_before\t%s\nothers_during\t%s\nstatus\tfailed (%s); see %s\n' \
        "$(date -u '+%Y-%m-%d %H:%M UTC')" $((SECONDS - start)) "$attempt" "$busy" "$others" "$rc" \
        "$LOGS/$name.failed-$attempt.log" >"$meta"
      return 1
    fi
  done
}

machine >"$OUT_DIR/machine.tsv"
started=$SECONDS
declare -a FAILED=()
for name in "${RUN[@]}"; do
  if [[ $SKIP_IDLE == 1 && -n ${IDLE_ONLY[$name]:-} ]]; then
    echo "=== $name skipped (SKIP_IDLE=1) ===" >&2
    rm -f "$RESULT_DIR/$name.tsv"
    printf 'finished\t%s\nseconds\t0\nattempts\t0\nstatus\tskipped (SKIP_IDLE=1)\n' \
      "$(date -u '+%Y-%m-%d %H:%M UTC')" >"$RESULT_DIR/$name.meta"
    continue
  fi
  run_one "$name" || FAILED+=("$name")
done
printf 'total_seconds\t%s\n' $((SECONDS - started)) >>"$OUT_DIR/machine.tsv"

# --- the report ---------------------------------------------------------------------------------
"$PYTHON" benches/report.py --results "$RESULT_DIR" --machine "$OUT_DIR/machine.tsv" \
  --order "${ALL[*]}" --out docs/BENCHMARKS.md --charts "$OUT_DIR"
echo "compare-all: wrote docs/BENCHMARKS.md and $OUT_DIR/*.svg in $((SECONDS - started))s" >&2
((${#FAILED[@]} == 0)) || die "failed: ${FAILED[*]} (their logs are in $LOGS)"
