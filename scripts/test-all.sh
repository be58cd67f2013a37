#!/usr/bin/env bash
# Every test of the project: Rust (workspace, all features), Go (interop-go, including the
# cross-language tests that run the Rust examples), and the guest booted in a real QEMU VM.
# Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step says when it starts (seconds since this script began), so a slow step shows in CI's log.
step() { printf '\n== %s (at %ds)\n' "$*" "$SECONDS"; }

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy"
cargo clippy --workspace --all-targets --all-features -- -D warnings

step "cargo doc (warnings are errors: every public item documented, every link resolves)"
RUSTDOCFLAGS="-D warnings" cargo doc -q --no-deps --workspace --all-features

step "cargo test"
cargo test --workspace --all-features

step "fuzz targets replay the golden streams (and any local corpus)"
for target in decode_value decode_typed; do
  cargo run -q --release --manifest-path gob-codec/fuzz/Cargo.toml --bin "$target"
done

step "gofmt / go vet"
unformatted=$(cd interop-go && gofmt -l .)
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi
(cd interop-go && go vet ./...)

step "go test (with the Rust side of the interop tests)"
(cd interop-go && GOB_RUST_INTEROP=1 go test -count=1 -timeout 30m ./...)

step "go test ./e2e against the Go reference guest (interop-go/cmd/goguest: the suite tests the contract)"
(cd interop-go && BOXPARK_E2E_IMPL=go GOB_RUST_INTEROP=1 go test -count=1 -timeout 20m ./e2e)

step "the guest as /init in a real QEMU VM over virtio-vsock (scripts/vm/run-tests.sh)"
# Installs its Debian packages, fetches a Debian kernel, builds the patched vhost-device-vsock and
# the static guest, then boots one VM and runs interop-go/vmtest against it. Bounded: the Go
# tests by their own timeout, everything together by this one.
timeout --kill-after=30s 20m bash scripts/vm/run-tests.sh

printf '\nall tests passed (%ds)\n' "$SECONDS"
