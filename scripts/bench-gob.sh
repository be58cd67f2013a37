#!/usr/bin/env bash
# Runs the contract criterion benchmark (boxpark-proto/benches/contract.rs: the contract messages
# through gob-codec) and Go's encoding/gob benchmark on the same messages in the
# same run and prints Go time / Rust time per case (above 1 means Rust is faster).
# Usage: scripts/bench-gob.sh [quick]
set -euo pipefail
cd "$(dirname "$0")/.."
mt=3; bt=2s
if [ "${1:-}" = quick ]; then mt=1; bt=300ms; fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cargo bench -q -p boxpark-proto --bench contract -- --warm-up-time 1 --measurement-time "$mt" \
  --output-format bencher 2>/dev/null | grep -E '^test ' >"$out/rust.txt"
(cd interop-go && go test -run '^$' -bench . -benchtime "$bt" ./gobbench) >"$out/go.txt"
awk -v rust="$out/rust.txt" '
  BEGIN {
    # criterion --output-format bencher: "test Log/fresh_encode ... bench:   2164 ns/iter (+/- 12)"
    while ((getline line < rust) > 0) {
      split(line, f, /[ \t]+/)
      v = f[5]; gsub(/,/, "", v); r[f[2]] = v + 0
    }
  }
  /^Benchmark/ {
    n = $1; sub(/-[0-9]+$/, "", n); sub(/^Benchmark/, "", n)
    mode = "fresh"; if (n ~ /^Steady/) { mode = "steady"; sub(/^Steady/, "", n) }
    op = (n ~ /^Encode/) ? "encode" : "decode"; sub(/^(Encode|Decode)/, "", n)
    key = n "/" mode "_" op
    if (key in r && r[key] > 0) printf "%-28s go %9.0f ns   rust %9.0f ns   go/rust %6.2f\n", key, $3, r[key], $3 / r[key]
  }' "$out/go.txt"
