#!/usr/bin/env bash
# Runs the boxpark-proto rpc criterion benchmark (Rust client and server) and Go's net/rpc benchmark
# (interop-go/rpcbench: Go client and server) in the same run: Test.Echo(EchoArgs{S: "hello", N: 42})
# over a Unix socket, one call at a time and 16 callers sharing one client. Prints Go time / Rust
# time per call for each (above 1 means Rust is faster): `rpc/` on a multi-thread tokio runtime
# against Go with all cores (-cpu N), `rpc_one_thread/` on a current-thread runtime against Go on
# one thread (-cpu 1).
# Usage: scripts/bench-rpc.sh [quick]
set -euo pipefail
cd "$(dirname "$0")/.."
mt=3; bt=2s
if [ "${1:-}" = quick ]; then mt=1; bt=300ms; fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if ! cargo bench -q -p boxpark-proto --bench rpc -- --warm-up-time 1 --measurement-time "$mt" \
  --output-format bencher >"$out/rust.raw" 2>"$out/rust.err"; then
  cat "$out/rust.err" >&2
  echo "bench-rpc: cargo bench -p boxpark-proto --bench rpc failed" >&2
  exit 1
fi
grep -E '^test ' "$out/rust.raw" >"$out/rust.txt" || true
cpus=$(nproc)
(cd interop-go && go test -run '^$' -bench . -benchtime "$bt" -cpu "1,$cpus" ./rpcbench) >"$out/go.txt"
awk -v rust="$out/rust.txt" '
  BEGIN {
    # criterion --output-format bencher: "test rpc/sequential_echo ... bench:   21,640 ns/iter (+/- 12)"
    while ((getline line < rust) > 0) {
      split(line, f, /[ \t]+/)
      v = f[5]; gsub(/,/, "", v); r[f[2]] = v + 0
    }
    # Go benchmark name -> criterion id
    id["SequentialEcho"] = "rpc/sequential_echo"
    id["Concurrent16Echo"] = "rpc/concurrent16_echo"
  }
  /^Benchmark/ {
    # go test names a result -N for N cores, and leaves the suffix out for -cpu 1.
    n = $1; one = (n !~ /-[0-9]+$/); sub(/-[0-9]+$/, "", n); sub(/^Benchmark/, "", n)
    key = id[n]
    if (key == "") next
    if (one) sub(/^rpc\//, "rpc_one_thread/", key)
    seen++
    if (key in r && r[key] > 0) printf "%-36s go %9.0f ns   rust %9.0f ns   go/rust %6.2f\n", key, $3, r[key], $3 / r[key]
    else printf "%-36s go %9.0f ns   rust (missing from the criterion output)\n", key, $3
  }
  END { if (!seen) { print "bench-rpc: no Go benchmark results" > "/dev/stderr"; exit 1 } }' "$out/go.txt"
