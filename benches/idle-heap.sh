#!/usr/bin/env bash
# Heap per idle connection at 10,000 connections: ours (counting allocator, from the tcp crate's
# idle_memory test) beside Node's net server (heapUsed + external + arrayBuffers, after GC).
# RESULTS: a file to append machine-readable results to (benches/lib/results.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/results.sh
source benches/lib/results.sh
n=10000
ulimit -n 20000 2>/dev/null || true
ours=$(cargo test --release -q -p netcore-tcp --test idle_memory -- --nocapture 2>/dev/null | grep 'heap per idle')
echo "$ours"
echo
node_out=$(node --expose-gc benches/node/idle_heap.js "$n" crates/tcp/tests/node/idle_clients.js)
echo "$node_out"

# `heap per idle connection: N bytes (M connections)`, ours then Node's.
per_conn() {
  [[ $1 =~ heap\ per\ idle\ connection:\ (-?[0-9]+)\ bytes ]] && echo "${BASH_REMATCH[1]}"
}
scenario="idle heap"
result tcp "$scenario" - setup "$n idle connections; heap growth per connection (ours: counting allocator in the idle_memory test; node: heapUsed + external + arrayBuffers after GC)" -
result tcp "$scenario" ours mem_per_conn "$(per_conn "$ours")" 'bytes heap / conn'
result tcp "$scenario" node mem_per_conn "$(per_conn "$node_out")" 'bytes heap / conn'
