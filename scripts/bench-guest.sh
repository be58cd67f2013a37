#!/usr/bin/env bash
# Benchmarks the Rust guest (release build) against the Go reference guest (interop-go/cmd/goguest)
# side by side with interop-go/cmd/guestbench: RPC calls per second and latency, tcp and unix proxy
# throughput (each with a direct connection in the same slot, for proxy/direct), the host proxy,
# VmRSS idle and with 1000 proxy connections open, start to Info, big Run and Write calls, Run of
# `true` against a plain spawn, and the binaries' sizes. Both guests run on the hybrid Unix-socket
# transport, each metric in a fresh process, taking turns in every round (go then rust, then rust
# then go, ...); the table has each guest's median over the rounds, the rust/go ratio, which way
# is better, and whether the Rust guest is at least as good. interop-go/cmd/guestbench/doc.go
# explains every metric. The floor guest (boxpark-guest's floor_guest example: Guest.Mkdir and
# tcp/unix proxies with blocking system calls, nothing else) runs in the same rounds on the RPC and
# proxy groups: its ratio to the Go guest is the best any guest could reach on this driver and
# machine.
# Usage: scripts/bench-guest.sh [quick] [guestbench flags, e.g. -json out.json -metrics tcp,rss]
#   quick: -quick (smaller sizes and counts) and 2 rounds instead of 6 (an even count: each guest
#   goes first equally often).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
rounds=6
flags=()
if [ "${1:-}" = quick ]; then
  rounds=2
  flags=(-quick)
  shift
fi
out=$(mktemp -d /tmp/bpbench.XXXXXX)
trap 'rm -rf "$out"' EXIT
cargo build -q --release -p boxpark-guest --bin boxpark-guest --example floor_guest
# Copies, so that a rebuild of target/ during the run cannot change a guest between rounds.
cp "${CARGO_TARGET_DIR:-$root/target}/release/boxpark-guest" "$out/boxpark-guest"
cp "${CARGO_TARGET_DIR:-$root/target}/release/examples/floor_guest" "$out/floor_guest"
(cd interop-go && go build -o "$out/goguest" ./cmd/goguest && go build -o "$out/guestbench" ./cmd/guestbench)
echo "== the Rust guest's release build (glibc, opt-level 3) against the Go guest"
"$out/guestbench" -guest go="$out/goguest" -guest rust="$out/boxpark-guest" \
  -floor floor="$out/floor_guest" -rounds "$rounds" \
  ${flags[@]+"${flags[@]}"} "$@"
# The binary a VM boots: static musl, stripped (profile initramfs, as
# scripts/vm/build-guest.sh builds it). Skipped when the musl target is not installed.
musl=x86_64-unknown-linux-musl
if rustup target list --installed 2>/dev/null | grep -qx "$musl"; then
  cargo build -q --profile initramfs --target "$musl" -p boxpark-guest --bin boxpark-guest
  cp "${CARGO_TARGET_DIR:-$root/target}/$musl/initramfs/boxpark-guest" "$out/boxpark-guest-static"
  echo
  echo "== the Rust guest's static VM build (musl, opt-level 3, stripped) against the Go guest"
  "$out/guestbench" -guest go="$out/goguest" -guest rust-static="$out/boxpark-guest-static" \
    -floor floor="$out/floor_guest" -rounds "$rounds" ${flags[@]+"${flags[@]}"} "$@"
else
  echo "bench-guest: no $musl target: the static VM build is not measured" >&2
fi
