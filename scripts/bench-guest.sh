#!/usr/bin/env bash
# Benchmarks the Rust guest (release build) against the Go reference guest (interop-go/cmd/goguest)
# side by side with interop-go/cmd/guestbench: RPC calls per second and latency, tcp and unix proxy
# throughput (each with a direct connection in the same slot, for proxy/direct), the host proxy,
# VmRSS idle and with 1000 proxy connections open, start to Info, big Run and Write calls, Run of
# `true` against a plain spawn, and the binaries' sizes. Both guests run on the hybrid Unix-socket
# transport, each metric in a fresh process, taking turns in every round (go then rust, then rust
# then go, ...); the table has each guest's median over the rounds, the rust/go ratio, which way
# is better, and whether the Rust guest is at least as good. interop-go/cmd/guestbench/doc.go
# explains every metric.
# Usage: scripts/bench-guest.sh [quick] [guestbench flags, e.g. -json out.json -metrics tcp,rss]
#   quick: -quick (smaller sizes and counts) and 2 rounds instead of 5.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
rounds=5
flags=()
if [ "${1:-}" = quick ]; then
  rounds=2
  flags=(-quick)
  shift
fi
out=$(mktemp -d /tmp/bpbench.XXXXXX)
trap 'rm -rf "$out"' EXIT
cargo build -q --release -p boxpark-guest
# A copy, so that a rebuild of target/ during the run cannot change the guest between rounds.
cp "${CARGO_TARGET_DIR:-$root/target}/release/boxpark-guest" "$out/boxpark-guest"
(cd interop-go && go build -o "$out/goguest" ./cmd/goguest && go build -o "$out/guestbench" ./cmd/guestbench)
"$out/guestbench" -guest go="$out/goguest" -guest rust="$out/boxpark-guest" -rounds "$rounds" \
  ${flags[@]+"${flags[@]}"} "$@"
