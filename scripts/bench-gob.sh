#!/usr/bin/env bash
# Runs the contract criterion benchmark (boxpark-proto/benches/contract.rs: the contract messages
# through gob-codec and through the crates.io `gob` 0.1 crate, "gob0.1") and Go's encoding/gob
# benchmark on the same messages in the same run and prints, per case, Go time / Rust time (above 1
# means Rust is faster), then the gob 0.1 time, Go / gob 0.1 and gob 0.1 / gob-codec (above 1:
# gob-codec is faster). gob 0.1 has no case for Log (no time.Time).
#
# First, each message's fresh stream is written by Go (interop-go/gobbench TestWriteStream, one
# process per message) for the benchmark's checks, printed as `peer-check` lines: does gob-codec
# write Go's bytes, does gob 0.1 read Go's bytes into the right value, does it write Go's bytes.
#
# The machine is shared and noisy, so each side runs twice, taking turns (Rust, Go, Rust, Go), and
# each keeps the faster of its two times per case: a burst of load during one side's turn then
# does not decide a ratio. `quick` runs each side once, with short measurements.
#
# gob-codec's decoding cases also run with mimalloc as the global allocator
# (benches/contract_mimalloc.rs), in the same turns, printed as `mimalloc` and go/mimalloc: a value
# of many strings decoded into a new variable is bound by the allocator, and this shows by how much.
# Usage: scripts/bench-gob.sh [quick]
set -euo pipefail
cd "$(dirname "$0")/.."
mt=3; bt=2s; rounds=2
if [ "${1:-}" = quick ]; then mt=1; bt=300ms; rounds=1; fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cargo bench -q -p boxpark-proto --bench contract --bench contract_mimalloc --no-run 2>/dev/null
(cd interop-go && go test -c -o "$out/gobbench.test" ./gobbench)
mkdir "$out/streams"
for m in ProxyRequest Log LaunchOutput RunResponse; do
  (cd interop-go/gobbench && GOBBENCH_STREAMS="$out/streams" GOBBENCH_MESSAGE="$m" \
    "$out/gobbench.test" -test.run '^TestWriteStream$' >/dev/null)
done
for r in $(seq "$rounds"); do
  GOBBENCH_STREAMS="$out/streams" cargo bench -q -p boxpark-proto --bench contract -- \
    --warm-up-time 1 --measurement-time "$mt" --output-format bencher 2>/dev/null >"$out/round.txt"
  grep -E '^test ' "$out/round.txt" >>"$out/rust.txt"
  if [ "$r" = 1 ]; then grep -E '^peer-check ' "$out/round.txt" >"$out/checks.txt" || true; fi
  GOBBENCH_STREAMS="$out/streams" cargo bench -q -p boxpark-proto --bench contract_mimalloc -- \
    --warm-up-time 1 --measurement-time "$mt" --output-format bencher '/(fresh|steady)_decode' \
    2>/dev/null | grep -E '^test ' >>"$out/mimalloc.txt"
  (cd interop-go/gobbench && "$out/gobbench.test" -test.run '^$' -test.bench . \
    -test.benchtime "$bt") | grep -E '^Benchmark' >>"$out/go.txt"
done
awk -v rust="$out/rust.txt" -v mimalloc="$out/mimalloc.txt" '
  # Keeps the faster of the times of a case.
  function keep(times, k, v) { if (!(k in times) || v < times[k]) times[k] = v }
  # criterion --output-format bencher: "test Log/fresh_encode ... bench:   2164 ns/iter (+/- 12)";
  # "Log/peer_fresh_encode" is the gob 0.1 time of "Log/fresh_encode".
  function read_bencher(file, times, peer,   line, f, k, v) {
    while ((getline line < file) > 0) {
      split(line, f, /[ \t]+/)
      k = f[2]; v = f[5]; gsub(/,/, "", v); v += 0
      if (k ~ /\/peer_/) { sub(/\/peer_/, "/", k); keep(peer, k, v) } else keep(times, k, v)
    }
  }
  BEGIN { read_bencher(rust, r, p); read_bencher(mimalloc, m, p) }
  /^Benchmark/ {
    n = $1; sub(/-[0-9]+$/, "", n); sub(/^Benchmark/, "", n)
    mode = "fresh"; if (n ~ /^Steady/) { mode = "steady"; sub(/^Steady/, "", n) }
    op = (n ~ /^Encode/) ? "encode" : (n ~ /^DecodeInto/) ? "decode_into" : "decode"
    sub(/^(Encode|DecodeInto|Decode)/, "", n)
    key = n "/" mode "_" op
    if (!(key in g)) order[++count] = key
    keep(g, key, $3)
  }
  END {
    for (i = 1; i <= count; i++) {
      key = order[i]
      if (!(key in r) || r[key] <= 0) continue
      printf "%-32s go %9.0f ns   rust %9.0f ns   go/rust %6.2f", key, g[key], r[key], g[key] / r[key]
      if (key in m && m[key] > 0) printf "   mimalloc %9.0f ns   go/mimalloc %6.2f", m[key], g[key] / m[key]
      else printf "   mimalloc         -                     "
      if (key in p && p[key] > 0) printf "   gob0.1 %9.0f ns   go/gob0.1 %6.2f   gob0.1/rust %6.2f\n", p[key], g[key] / p[key], p[key] / r[key]
      else printf "   gob0.1         -\n"
    }
  }' "$out/go.txt"
cat "$out/checks.txt"
