#!/usr/bin/env bash
# Builds the VM's initramfs and read-only root image from what setup.sh and build-guest.sh left
# in OUT.
#
# usage: scripts/vm/image.sh [OUT]      (OUT defaults to target/vm under the repository root)
#
# OUT/initrd.img    newc cpio (uncompressed; IMAGE_COMPRESS=gzip compresses it): /init (the
#                   static guest), /dev/console, empty /proc /sys /dev /run /tmp /newroot, and
#                   the kernel modules below with their dependencies, under lib/modules/<version>/.
# OUT/modules.txt   those modules in load order (dependencies first), one comma-separated line,
#                   for the kernel command line's boxpark.modules=; modules built into the
#                   kernel are left out.
# OUT/root.squashfs the root for /dev/vda: busybox with a link per applet in /bin,
#                   /usr/bin/vm-peer (when OUT/vm-peer exists), /etc/passwd, /etc/group,
#                   /etc/hosts and the marker /etc/boxpark-root ("squashfs root").
#
# Nothing is rebuilt when the inputs (guest binaries, kernel, busybox, this script) are unchanged.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/target/vm}
out=$(cd "$out" && pwd)
compress=${IMAGE_COMPRESS:-none}

say() { printf 'image: %s\n' "$*" >&2; }
die() {
    say "$*"
    exit 1
}

# One image build in OUT at a time. Outputs are replaced by rename, so a VM that is already
# running keeps the files it opened.
exec 9>"$out/.image.lock"
flock 9

# The modules the guest loads (boxpark.modules=): virtio transport and vsock, the root disk,
# the overlay root, the NIC. Their dependencies are added, and put first, by depends=.
wanted=(
    virtio virtio_ring virtio_pci virtio_pci_modern_dev virtio_pci_legacy_dev
    vsock vmw_vsock_virtio_transport_common vmw_vsock_virtio_transport vsock_loopback
    virtio_blk squashfs overlay
    virtio_net
)

[[ -f $out/kernel-version ]] || die "no $out/kernel-version: run scripts/vm/setup.sh first"
version=$(cat "$out/kernel-version")
moddir=$out/kernel/lib/modules/$version
[[ -d $moddir/kernel ]] || die "no module tree $moddir: run scripts/vm/setup.sh first"
[[ -x $out/boxpark-guest ]] || die "no $out/boxpark-guest: run scripts/vm/build-guest.sh first"
busybox=/bin/busybox
[[ -x $busybox ]] || die "no $busybox: run scripts/vm/setup.sh first (busybox-static)"
command -v modinfo >/dev/null || die "no modinfo: run scripts/vm/setup.sh first (kmod)"
command -v mksquashfs >/dev/null || die "no mksquashfs: run scripts/vm/setup.sh first"

# --- Inputs unchanged? ---------------------------------------------------------------------
stamp_of() {
    {
        printf 'version %s\ncompress %s\n' "$version" "$compress"
        sha256sum "$0" "$out/boxpark-guest" "$busybox"
        if [[ -e $out/vm-peer ]]; then sha256sum "$out/vm-peer"; fi
    } | sha256sum | cut -d' ' -f1
}
stamp=$(stamp_of)
if [[ -f $out/.image-stamp && $(cat "$out/.image-stamp") == "$stamp" &&
    -f $out/initrd.img && -f $out/root.squashfs && -f $out/modules.txt ]]; then
    say "up to date: $out/initrd.img, $out/root.squashfs, modules $(cat "$out/modules.txt")"
    exit 0
fi
rm -f "$out/.image-stamp"

# --- Modules: resolve names, order by depends= ---------------------------------------------
norm() { printf '%s' "${1//-/_}"; }
declare -A path_of=() builtin=() state=()
while IFS= read -r f; do
    n=${f##*/}
    n=${n%.ko*}
    path_of[$(norm "$n")]=$f
done < <(find "$moddir/kernel" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz')
if [[ -f $moddir/modules.builtin ]]; then
    while IFS= read -r f; do
        n=${f##*/}
        n=${n%.ko*}
        builtin[$(norm "$n")]=1
    done <"$moddir/modules.builtin"
fi
order=()
# visit NAME: depth-first, dependencies before the module.
visit() {
    local n dep deps
    n=$(norm "$1")
    case ${state[$n]:-} in
        visited) return ;;
        active) die "module dependency cycle through $n" ;;
    esac
    if [[ -n ${builtin[$n]:-} ]]; then
        state[$n]=visited
        return
    fi
    [[ -n ${path_of[$n]:-} ]] || die "module $n is neither in $moddir/kernel nor built in"
    state[$n]=active
    deps=$(modinfo -F depends "${path_of[$n]}")
    local IFS=,
    for dep in $deps; do
        [[ -n $dep ]] && visit "$dep"
    done
    state[$n]=visited
    order+=("$n")
}
for m in "${wanted[@]}"; do visit "$m"; done

# --- initrd.img ----------------------------------------------------------------------------
stage=$out/initrd.d
rm -rf "$stage"
mkdir -p "$stage"/{proc,sys,dev,run,tmp,newroot}
chmod 1777 "$stage/tmp"
mknod -m 600 "$stage/dev/console" c 5 1
install -m 0755 "$out/boxpark-guest" "$stage/init"
for n in "${order[@]}"; do
    rel=${path_of[$n]#"$out/kernel/"}
    mkdir -p "$stage/$(dirname "$rel")"
    cp "${path_of[$n]}" "$stage/$rel"
done
for f in modules.builtin modules.order; do
    if [[ -f $moddir/$f ]]; then cp "$moddir/$f" "$stage/lib/modules/$version/"; fi
done
tmp=$out/initrd.img.tmp
(
    cd "$stage"
    find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0
) >"$tmp.cpio"
case $compress in
    none) mv -f "$tmp.cpio" "$tmp" ;;
    gzip) gzip -n -6 <"$tmp.cpio" >"$tmp" && rm -f "$tmp.cpio" ;;
    *) die "IMAGE_COMPRESS=$compress: want none or gzip" ;;
esac
mv -f "$tmp" "$out/initrd.img"
(
    IFS=,
    printf '%s\n' "${order[*]}"
) >"$out/modules.txt"
rm -rf "$stage"
say "$out/initrd.img: $(stat -c %s "$out/initrd.img") bytes ($compress), ${#order[@]} modules"
say "modules.txt: $(cat "$out/modules.txt")"

# --- root.squashfs -------------------------------------------------------------------------
rstage=$out/root.d
rm -rf "$rstage"
mkdir -p "$rstage"/{bin,usr/bin,proc,sys,dev,run,tmp,mnt,root,var,etc,home,newroot}
chmod 1777 "$rstage/tmp"
chmod 0700 "$rstage/root"
ln -s bin "$rstage/sbin"
ln -s ../bin "$rstage/usr/sbin"
install -m 0755 "$busybox" "$rstage/bin/busybox"
napplets=0
while IFS= read -r applet; do
    [[ -z $applet || $applet == busybox ]] && continue
    [[ -e $rstage/bin/$applet ]] && continue
    ln -s busybox "$rstage/bin/$applet"
    napplets=$((napplets + 1))
done < <("$busybox" --list)
for a in sh echo cat uname sleep ls mount env true false yes head dd wc nc; do
    [[ -e $rstage/bin/$a ]] || die "busybox has no applet $a"
done
if [[ -e $out/vm-peer ]]; then
    install -m 0755 "$out/vm-peer" "$rstage/usr/bin/vm-peer"
fi
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$rstage/etc/passwd"
printf 'root:x:0:\n' >"$rstage/etc/group"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' >"$rstage/etc/hosts"
printf 'squashfs root\n' >"$rstage/etc/boxpark-root"
rm -f "$out/root.squashfs.tmp"
mksquashfs "$rstage" "$out/root.squashfs.tmp" -noappend -comp gzip -all-root -no-xattrs -quiet >/dev/null
mv -f "$out/root.squashfs.tmp" "$out/root.squashfs"
rm -rf "$rstage"
say "$out/root.squashfs: $(stat -c %s "$out/root.squashfs") bytes (busybox, $napplets applet links$([[ -e $out/vm-peer ]] && printf ', vm-peer'))"

printf '%s\n' "$stamp" >"$out/.image-stamp"
