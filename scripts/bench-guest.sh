#!/usr/bin/env bash
# Benchmarks the release guest binary against baselines measured in the same run and prints ratios:
# - proxy throughput, 64 MiB per connection (boxpark-guest/benches/proxy.rs): through the guest's
#   tcp proxy vs straight to the loopback TCP sink, and through its unix proxy vs an in-process
#   tokio::io::copy between Unix sockets (an ideal proxy); proxy/direct below 1 is the proxy's cost;
# - Guest.Run{Command: "true"} round trip vs spawning true in the bench process
#   (boxpark-guest/benches/run.rs); guest/spawn above 1 is the RPC and guest overhead;
# - the guest's VmRSS idle and with 1000 unix proxy connections open (boxpark-guest/examples/rss.rs).
# Everything runs on loopback and Unix sockets, with the guest on its hybrid transport.
# Usage: scripts/bench-guest.sh [quick]
set -euo pipefail
cd "$(dirname "$0")/.."
mt=3
if [ "${1:-}" = quick ]; then mt=1; fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cargo build -q --release -p boxpark-guest
if ! cargo bench -q -p boxpark-guest --bench proxy --bench run -- --warm-up-time 1 \
  --measurement-time "$mt" --output-format bencher >"$out/bench.raw" 2>"$out/bench.err"; then
  cat "$out/bench.err" >&2
  echo "bench-guest: cargo bench -p boxpark-guest failed" >&2
  exit 1
fi
grep -E '^test ' "$out/bench.raw" >"$out/bench.txt" || true
# 1000 proxy connections take about 2000 descriptors in the measuring process and in the guest,
# which inherits the limit: raise the soft limit to the hard one (or 4096 when that is unlimited).
if [ "$(ulimit -S -n)" != unlimited ]; then
  ulimit -S -n "$(ulimit -H -n)" 2>/dev/null || ulimit -S -n 4096 2>/dev/null || true
fi
if ! cargo run -q --release -p boxpark-guest --example rss >"$out/rss.txt" 2>"$out/rss.err"; then
  cat "$out/rss.err" >&2
  echo "bench-guest: the rss example failed" >&2
  exit 1
fi
awk -v rss="$out/rss.txt" '
  # criterion --output-format bencher: "test proxy/tcp ... bench:   31,640,123 ns/iter (+/- 12)"
  { v = $5; gsub(/,/, "", v); t[$2] = v + 0 }
  function mibs(id) { return 64 * 1e9 / t[id] }
  function pair(a, b, unit,   va, vb) {
    if (!(a in t) || !(b in t) || t[a] <= 0 || t[b] <= 0) {
      printf "%-16s or %s missing from the criterion output\n", a, b; bad = 1; return
    }
    if (unit == "MiB/s") {
      va = mibs(a); vb = mibs(b)
      printf "%-16s %8.0f MiB/s   %-16s %8.0f MiB/s   proxy/direct %5.2f\n", a, va, b, vb, va / vb
    } else {
      va = t[a] / 1000; vb = t[b] / 1000
      printf "%-16s %8.1f us      %-16s %8.1f us      guest/spawn  %5.2f\n", a, va, b, vb, va / vb
    }
  }
  END {
    pair("proxy/tcp", "direct/tcp", "MiB/s")
    pair("proxy/unix", "direct/unix_copy", "MiB/s")
    pair("run/guest_true", "run/spawn_true", "us")
    if ((getline line < rss) > 0 && line ~ /^rss /) {
      n = split(line, f, /[ =]/)
      for (i = 2; i < n; i += 2) r[f[i]] = f[i + 1]
      printf "guest VmRSS idle %d KiB, with %d unix proxy connections %d KiB (%.1f KiB per connection)\n",
        r["idle_kib"], r["connections"], r["loaded_kib"], r["per_connection_kib"]
    } else { print "bench-guest: no rss line" > "/dev/stderr"; bad = 1 }
    exit bad
  }' "$out/bench.txt"
