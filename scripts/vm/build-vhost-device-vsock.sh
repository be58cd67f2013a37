#!/usr/bin/env bash
# Builds the vhost-user vsock backend for the test VM: vhost-device-vsock 0.3.0 from crates.io,
# with scripts/vm/vhost-device-vsock.patch applied (port allocation, half-close in both
# directions, full close with unread data; the patch's header says what and why).
#
# usage: scripts/vm/build-vhost-device-vsock.sh [OUT]   (OUT defaults to target/vm under the
#                                                        repository root)
#
# Installs OUT/bin/vhost-device-vsock. Needs only cargo (rustup) and the crates.io registry:
# the crate source comes through cargo (a scratch manifest depending on =0.3.0, `cargo fetch`),
# its own Cargo.lock is used (--locked), default features (--no-default-features does not
# compile in 0.3.0). Work files stay under OUT/vhost-device-vsock-build (the cargo target
# directory is kept there, so a changed patch rebuilds only the crate itself). Does nothing when
# OUT/bin/vhost-device-vsock is there and its stamp records the same patch checksum.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/target/vm}
mkdir -p "$out"
out=$(cd "$out" && pwd)

crate=vhost-device-vsock
version=0.3.0
patch_file=$here/vhost-device-vsock.patch
bin=$out/bin/$crate
stamp=$out/bin/.$crate.stamp
work=$out/$crate-build

say() { printf 'build-vhost-device-vsock: %s\n' "$*" >&2; }
die() {
    say "$*"
    exit 1
}

command -v cargo >/dev/null || die "cargo not found (install Rust with rustup)"
[[ -f $patch_file ]] || die "missing $patch_file"

patch_sum=$(sha256sum "$patch_file" | cut -d' ' -f1)
want_stamp="$crate $version patch-sha256 $patch_sum"

up_to_date() { [[ -x $bin && -f $stamp && "$(cat "$stamp")" == "$want_stamp" ]]; }

if up_to_date; then
    say "up to date: $bin"
    exit 0
fi

mkdir -p "$work" "$out/bin"
# One build at a time per OUT (e.g. two test runs starting together).
if command -v flock >/dev/null; then
    exec 9>"$work/lock"
    flock 9
    if up_to_date; then
        say "up to date: $bin (built meanwhile)"
        exit 0
    fi
fi

start=$SECONDS

# --- The crate source, through cargo -------------------------------------------------------
# A scratch package depending on the exact version; `cargo fetch` downloads (and checks) the
# .crate and unpacks it into $CARGO_HOME/registry/src, where `cargo metadata` finds it. The empty
# [workspace] keeps cargo from taking the repository's workspace for this package's own when OUT is
# inside the repository.
fetch=$work/fetch
mkdir -p "$fetch/src"
cat >"$fetch/Cargo.toml" <<EOF
[package]
name = "fetch-$crate"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
$crate = "=$version"

[workspace]
EOF
: >"$fetch/src/lib.rs"
say "fetching $crate $version from crates.io"
(cd "$fetch" && cargo fetch --quiet)

manifest=$(cd "$fetch" && cargo metadata --format-version 1 --offline 2>/dev/null \
    | grep -o "\"manifest_path\":\"[^\"]*/$crate-$version/Cargo.toml\"" | head -n1 \
    | sed -e 's/^"manifest_path":"//' -e 's/"$//') || true
pristine=
if [[ -n $manifest && -f $manifest ]]; then
    pristine=$(dirname "$manifest")
else
    # Where cargo unpacks registry sources.
    for dir in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"$crate-$version"; do
        if [[ -f $dir/Cargo.toml ]]; then
            pristine=$dir
            break
        fi
    done
fi
[[ -n $pristine && -f $pristine/Cargo.toml ]] || die "cannot find the unpacked $crate-$version source"
say "source: $pristine"

# --- A patched copy ------------------------------------------------------------------------
src=$work/src/$crate-$version
rm -rf "$work/src"
mkdir -p "$work/src"
cp -R "$pristine" "$src"
rm -f "$src/.cargo-ok"
if command -v patch >/dev/null; then
    (cd "$src" && patch -p1 --batch --forward --quiet <"$patch_file") \
        || die "the patch does not apply to $crate $version"
elif command -v git >/dev/null; then
    # No `patch` (a minimal Debian has none): git apply, kept from finding the repository above
    # (inside one it would take the paths as relative to the repository's top and skip them).
    (cd "$src" && GIT_CEILING_DIRECTORIES=$work/src git apply -p1 "$patch_file") \
        || die "the patch does not apply to $crate $version"
else
    die "neither patch nor git is installed (apt-get install patch)"
fi
grep -q finish_peer_shutdown "$src/src/vsock_conn.rs" || die "the patch was not applied"
# As for the scratch package: not part of an enclosing workspace.
printf '\n[workspace]\n' >>"$src/Cargo.toml"

# --- Build and install ---------------------------------------------------------------------
locked=()
[[ -f $src/Cargo.lock ]] && locked=(--locked)
say "building (cargo build --release ${locked[*]})"
(cd "$src" && CARGO_TARGET_DIR=$work/target cargo build --release "${locked[@]}")

built=$work/target/release/$crate
[[ -x $built ]] || die "cargo left no $built"
"$built" --help >/dev/null || die "$built --help failed"
install -m 0755 "$built" "$bin.tmp"
mv -f "$bin.tmp" "$bin"
printf '%s\n' "$want_stamp" >"$stamp"
say "installed $bin ($((SECONDS - start)) s)"
