#!/usr/bin/env bash
# Everything a test VM needs, in OUT: setup.sh (Debian packages, the kernel, vhost-device-vsock),
# build-guest.sh (the static guest and vm-peer) and image.sh (initramfs, squashfs root). Each
# step is quick when its output is already there.
#
# usage: scripts/vm/build-all.sh OUT
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:?usage: build-all.sh OUT}

bash "$here/setup.sh" "$out"
bash "$here/build-guest.sh" "$out"
bash "$here/image.sh" "$out"
