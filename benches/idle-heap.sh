#!/usr/bin/env bash
# Heap per idle connection at 10,000 connections: ours (counting allocator, from the tcp crate's
# idle_memory test) beside Node's net server (heapUsed + external + arrayBuffers, after GC).
set -euo pipefail
cd "$(dirname "$0")/.."
n=10000
ulimit -n 20000 2>/dev/null || true
cargo test --release -q -p netcore-tcp --test idle_memory -- --nocapture 2>/dev/null | grep 'heap per idle'
echo
node --expose-gc benches/node/idle_heap.js "$n" crates/tcp/tests/node/idle_clients.js
