#!/usr/bin/env bash
# Builds the guest for the VM's initramfs: a static, stripped binary (Cargo profile `initramfs`:
# release with LTO and one codegen unit, for size).
#
# usage: scripts/vm/build-guest.sh [OUT]      (OUT defaults to target/vm under the repository root)
#
# Writes OUT/boxpark-guest and OUT/vm-peer (the VM tests' peer program, the example `vm_peer`,
# when it exists). Prefers the musl target (static by nature); falls back to glibc with crt-static when
# the musl target cannot be installed (BUILD_GUEST_TARGET=gnu forces that fallback). Fails when the result is not statically linked: /init
# in an initramfs has no dynamic loader or libraries beside it.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/target/vm}
mkdir -p "$out"
out=$(cd "$out" && pwd)

say() { printf 'build-guest: %s\n' "$*" >&2; }

# One build into OUT at a time (several people may run the VM tests at once); cargo locks its
# own target directory.
exec 9>"$out/.build-guest.lock"
flock 9

cd "$root"
target_dir=${CARGO_TARGET_DIR:-$root/target}
case $target_dir in /*) ;; *) target_dir=$root/$target_dir ;; esac

what=(-p boxpark-guest --bin boxpark-guest)
example=0
if [[ -f boxpark-guest/examples/vm_peer.rs || -f boxpark-guest/examples/vm_peer/main.rs ]]; then
    what+=(--example vm_peer)
    example=1
else
    say "note: no example vm_peer; building the guest alone"
fi

musl=x86_64-unknown-linux-musl
gnu=x86_64-unknown-linux-gnu
have_musl() {
    [[ ${BUILD_GUEST_TARGET:-} != gnu ]] && rustup target list --installed 2>/dev/null | grep -qx "$musl"
}
if [[ ${BUILD_GUEST_TARGET:-} != gnu ]] && ! have_musl; then
    say "adding the $musl target"
    rustup target add "$musl" >&2 || true
fi
if have_musl; then
    target=$musl
    say "cargo build --profile initramfs --target $target ${what[*]}"
    cargo build --profile initramfs --target "$target" "${what[@]}"
else
    # With an explicit --target, RUSTFLAGS applies to the target's crates only, not to build
    # scripts and proc macros (which must stay dynamic to run on this machine).
    target=$gnu
    say "no $musl target; falling back to glibc with crt-static"
    RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
        cargo build --profile initramfs --target "$target" "${what[@]}"
fi

bindir=$target_dir/$target/initramfs

# install SRC DEST: strip a copy, check that it is static, move it into place.
install_static() {
    local src=$1 dest=$2 tmp desc
    tmp=$dest.tmp.$$
    cp "$src" "$tmp"
    strip "$tmp"
    desc=$(file -b "$tmp")
    if [[ $desc != *"statically linked"* && $desc != *"static-pie linked"* ]]; then
        rm -f "$tmp"
        say "$src is not static: $desc"
        exit 1
    fi
    if ldd "$tmp" 2>&1 | grep -q '=>'; then
        rm -f "$tmp"
        say "$src needs shared libraries: $(ldd "$tmp" 2>&1 | tr '\n' ' ')"
        exit 1
    fi
    mv -f "$tmp" "$dest"
    local linked=statically
    [[ $desc == *"static-pie linked"* ]] && linked=static-pie
    say "$dest: $(stat -c %s "$dest") bytes ($target, $linked linked, stripped)"
}

install_static "$bindir/boxpark-guest" "$out/boxpark-guest"
if ((example)); then
    install_static "$bindir/examples/vm_peer" "$out/vm-peer"
else
    rm -f "$out/vm-peer"
fi
rm -f "$out/vsock-dial" # the example that vm_peer replaced
