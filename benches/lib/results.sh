# shellcheck shell=bash
# Machine-readable results of benches/compare-*.sh (sourced, not run; benches/lib/compare.sh
# sources it). When RESULTS names a file, each script appends its figures to it, one per line:
#
#   LAYER<TAB>SCENARIO<TAB>SERVER<TAB>METRIC<TAB>VALUE<TAB>UNIT
#
# Without RESULTS nothing is written and the scripts' output is unchanged. benches/compare-all.sh
# collects these lines and benches/report.py turns them into docs/BENCHMARKS.md. Metrics:
#   setup         SERVER `-`, VALUE the scenario's settings as text (UNIT `-`)
#   rate          work per wall second (req/s, GB/s, msg/s, ...): higher is better
#   per_cpu       the same work per server CPU-second (for dns, per client CPU-second: the
#                 client is what is compared): higher is better; the figure ratios are quoted on
#   mem_per_conn  memory growth per idle connection: lower is better
#   target        SERVER a peer, VALUE the minimum ours/peer ratio of `per_cpu` the script checks
#   anything else a figure shown beside these (cpu, p99_ms, errors, lost, ...)
# A server named `floor` is the layer's ceiling: the same syscalls with no protocol.
# A relative RESULTS is taken from the directory the script was started in (the scripts cd to
# the repository root first: OLDPWD is where they came from).
if [[ -n ${RESULTS:-} && $RESULTS != /* ]]; then
  RESULTS=${OLDPWD:-$PWD}/$RESULTS
fi

# result LAYER SCENARIO SERVER METRIC VALUE UNIT: appends one line to RESULTS, if set. Tabs and
# newlines in a field become spaces.
result() {
  [[ -n ${RESULTS:-} ]] || return 0
  (($# == 6)) || {
    echo "result: 6 fields expected, got $#: $*" >&2
    return 1
  }
  local f line=""
  for f in "$@"; do
    f=${f//$'\t'/ }
    f=${f//$'\n'/ }
    line+=${line:+$'\t'}$f
  done
  printf '%s\n' "$line" >>"$RESULTS"
}
