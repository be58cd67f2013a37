#!/usr/bin/env bash
# Installs what booting the guest in a QEMU VM needs, and fetches a Debian kernel into OUT.
#
# usage: scripts/vm/setup.sh [OUT]      (OUT defaults to target/vm under the repository root)
#
# - Debian packages: QEMU (with vhost-user-vsock-pci), squashfs-tools, cpio, busybox-static (the
#   root image's userland), kmod (modinfo, to order the initramfs's modules), file; `apt-get
#   update` runs only when one of them is missing.
# - The kernel: the package that linux-image-cloud-amd64 depends on, downloaded with `apt-get
#   download` (not installed) and unpacked into OUT/kernel. OUT/vmlinuz links to its kernel,
#   OUT/modules to its module tree lib/modules/<version>, and OUT/kernel-version holds <version>.
# - Then scripts/vm/build-vhost-device-vsock.sh OUT, when that script exists.
#
# Quick and idempotent when everything is already there. Nothing is loaded into the running
# kernel: the module tree is only unpacked, for the VM's initramfs.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/target/vm}
mkdir -p "$out"
out=$(cd "$out" && pwd)

say() { printf 'setup: %s\n' "$*" >&2; }

# One setup of OUT at a time.
exec 9>"$out/.setup.lock"
flock 9

# --- Debian packages -----------------------------------------------------------------------
# package -> a file that shows it is installed
declare -A need=(
    [qemu-system-x86]=/usr/bin/qemu-system-x86_64
    [squashfs-tools]=/usr/bin/mksquashfs
    [cpio]=/usr/bin/cpio
    [busybox-static]=/bin/busybox
    [kmod]=/usr/bin/kmod
    [file]=/usr/bin/file
)
missing=()
for pkg in "${!need[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
        || [[ ! -e ${need[$pkg]} ]]; then
        missing+=("$pkg")
    fi
done
updated=0
if ((${#missing[@]})); then
    say "installing ${missing[*]}"
    apt-get update -qq
    updated=1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
if ! /usr/bin/qemu-system-x86_64 -device help 2>/dev/null | grep -q vhost-user-vsock-pci; then
    say "qemu-system-x86_64 has no vhost-user-vsock-pci device"
    exit 1
fi

# --- The kernel ------------------------------------------------------------------------------
# The concrete package behind the meta-package (its candidate version).
kernel_pkg() {
    apt-cache depends linux-image-cloud-amd64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1
}
pkg=$(kernel_pkg)
if [[ -z $pkg && $updated == 0 ]]; then
    apt-get update -qq
    updated=1
    pkg=$(kernel_pkg)
fi
if [[ -z $pkg ]]; then
    say "cannot tell which kernel package linux-image-cloud-amd64 depends on"
    exit 1
fi

kdir=$out/kernel
stamp=$kdir/.unpacked-$pkg
if [[ ! -e $stamp ]]; then
    debs=$out/debs
    mkdir -p "$debs"
    deb=$(find "$debs" -maxdepth 1 -name "${pkg}_*.deb" | head -n1)
    if [[ -z $deb ]]; then
        say "downloading $pkg"
        if ! (cd "$debs" && apt-get download -qq -o APT::Sandbox::User=root "$pkg" >&2); then
            if [[ $updated == 0 ]]; then
                apt-get update -qq
                updated=1
                (cd "$debs" && apt-get download -qq -o APT::Sandbox::User=root "$pkg" >&2)
            else
                exit 1
            fi
        fi
        deb=$(find "$debs" -maxdepth 1 -name "${pkg}_*.deb" | head -n1)
    fi
    say "unpacking $(basename "$deb") into $kdir"
    rm -rf "$kdir"
    mkdir -p "$kdir"
    dpkg-deb -x "$deb" "$kdir"
    touch "$stamp"
fi

vmlinuz=$(find "$kdir/boot" -maxdepth 1 -name 'vmlinuz-*' | sort | tail -n1)
if [[ -z $vmlinuz ]]; then
    say "no boot/vmlinuz-* in $pkg"
    exit 1
fi
version=${vmlinuz##*/vmlinuz-}
if [[ ! -d $kdir/lib/modules/$version/kernel ]]; then
    say "no lib/modules/$version/kernel in $pkg"
    exit 1
fi
ln -sfn "kernel/boot/vmlinuz-$version" "$out/vmlinuz"
ln -sfn "kernel/lib/modules/$version" "$out/modules"
if [[ ! -e $out/kernel-version ]] || [[ $(cat "$out/kernel-version") != "$version" ]]; then
    printf '%s\n' "$version" >"$out/kernel-version"
fi
say "kernel $version: $out/vmlinuz ($(stat -L -c %s "$out/vmlinuz") bytes), modules in $out/modules"

# --- The vsock backend ---------------------------------------------------------------------
if [[ -x $here/build-vhost-device-vsock.sh || -f $here/build-vhost-device-vsock.sh ]]; then
    bash "$here/build-vhost-device-vsock.sh" "$out"
    if [[ ! -x $out/bin/vhost-device-vsock ]]; then
        say "build-vhost-device-vsock.sh did not leave $out/bin/vhost-device-vsock"
        exit 1
    fi
else
    say "note: scripts/vm/build-vhost-device-vsock.sh does not exist yet; no vhost-device-vsock built"
fi
say "done: $out"
