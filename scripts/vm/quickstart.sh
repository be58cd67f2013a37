#!/usr/bin/env bash
# The quick start in a real VM: boots the guest as /init in QEMU and calls each part of the API
# once, printing one ok/FAIL line per step (interop-go/cmd/quickstart -vm).
#
# usage: scripts/vm/quickstart.sh [OUT] [quickstart flags...]
#        (OUT defaults to target/vm under the repository root; extra arguments go to the
#        quickstart, e.g. -v for QEMU's and vhost-device-vsock's output, -accel kvm)
#
# Runs setup.sh (packages, kernel, vhost-device-vsock), build-guest.sh (static guest) and
# image.sh (initramfs, squashfs root), each quick when already done, then
# `go run ./cmd/quickstart -vm OUT` in interop-go. Exits with the quickstart's status (0 only if
# every step worked).
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
exec go run ./cmd/quickstart -vm "$out" "$@"
