#!/usr/bin/env bash
# Builds every fuzz target with libFuzzer coverage instrumentation on the stable toolchain (the
# flags cargo-fuzz passes, minus the sanitizer, which needs nightly) and runs each for SECS
# seconds (default 10). Usage: fuzz/run.sh [SECS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-10}"; shift || true
targets=("$@")
# Every target by default (CI runs each for SECS). Each finding is kept as a regression test in
# crates/http1/tests/data/ (the http1 targets) or beside the parser it hit.
[ ${#targets[@]} -gt 0 ] || targets=(line_splitter length_prefixed http1_request http1_response http1_chunked ws_handshake ws_frames tls_cert tls_session dns_message)
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
 -Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
host="$(rustc -vV | sed -n "s/^host: //p")"
cargo build --release --quiet --target "$host" --target-dir target/instrumented
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" artifacts
  echo "== fuzz $t for ${secs}s"
  "target/instrumented/$host/release/$t" -max_total_time="$secs" -artifact_prefix=artifacts/ "corpus/$t" 2>&1 | tail -n 2
done
