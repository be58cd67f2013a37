#!/usr/bin/env bash
# Boots the guest as /init in a QEMU VM and runs the Go VM tests (interop-go/vmtest) against it.
#
# usage: scripts/vm/run-tests.sh [OUT] [go test args...]
#        (OUT defaults to target/vm under the repository root; extra arguments go to `go test`,
#        e.g. -run 'TestVM/Run')
#
# Runs setup.sh (packages, kernel, vhost-device-vsock), build-guest.sh (static guest) and
# image.sh (initramfs, squashfs root), then `go test ./vmtest/` with BOXPARK_VM_DIR=OUT.
# Exits non-zero when any step or test fails.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$root/target/vm
if (($#)) && [[ $1 != -* ]]; then
    out=$1
    shift
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)

bash "$here/build-all.sh" "$out"

cd "$root/interop-go"
BOXPARK_VM_DIR=$out go test -count=1 -timeout 15m -v ./vmtest/ "$@"
