//! Switching from the initramfs into the real root: a read-only device (squashfs on `/dev/vda`)
//! with a tmpfs overlaid on it, so the root is writable and every boot starts clean.
//!
//! The layout once switched: `/` is the overlay; its layers stay visible at `/run/boxpark/lower`
//! (the device) and `/run/boxpark/rw` (the tmpfs with `upper` and `work`). The API filesystems
//! mounted in the initramfs are moved, not mounted again. The initramfs's files are deleted first
//! (as `switch_root` does: the rootfs cannot be unmounted, so its memory comes back only that way),
//! then the overlay is moved onto `/` and the guest chroots into it and goes on as PID 1.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, Instant};

use nix::mount::MsFlags;

use super::cmdline::RootDevice;
use super::error::os;
use super::Error;

/// How long to wait for the root device to appear (drivers probe asynchronously).
pub const DEVICE_WAIT: Duration = Duration::from_secs(15);

const NEW_ROOT: &str = "/newroot";
const LOWER: &str = "/boxpark/lower";
const RW: &str = "/boxpark/rw";
/// The mounts carried over into the new root, top-level ones only (submounts move with them).
const CARRIED: [&str; 5] = ["/dev", "/proc", "/sys", "/run", "/tmp"];

/// The initramfs's filesystem type (nix names only tmpfs's).
const RAMFS_MAGIC: u32 = 0x8584_58f6;

/// Mounts `root` read-only with a tmpfs over it and makes it `/`. On failure before the final
/// move, the guest stays in the initramfs (the error says where it stopped).
pub fn switch_root(root: &RootDevice) -> Result<String, Error> {
    wait_for(&root.device)?;
    mkdir(LOWER)?;
    mkdir(RW)?;
    mkdir(NEW_ROOT)?;
    mount(
        Some(&root.device),
        LOWER,
        Some(&root.fstype),
        MsFlags::MS_RDONLY,
        None,
    )?;
    mount(
        Some("tmpfs"),
        RW,
        Some("tmpfs"),
        MsFlags::empty(),
        Some("mode=0755"),
    )?;
    mkdir(&format!("{RW}/upper"))?;
    mkdir(&format!("{RW}/work"))?;
    let layers = format!("lowerdir={LOWER},upperdir={RW}/upper,workdir={RW}/work");
    mount(
        Some("overlay"),
        NEW_ROOT,
        Some("overlay"),
        MsFlags::empty(),
        Some(&layers),
    )?;

    for m in CARRIED {
        if super::mounts::is_mountpoint(Path::new(m)) {
            let to = format!("{NEW_ROOT}{m}");
            mkdir(&to)?;
            move_mount(m, &to)?;
        }
    }
    for (from, to) in [(LOWER, "/run/boxpark/lower"), (RW, "/run/boxpark/rw")] {
        let to = format!("{NEW_ROOT}{to}");
        // Only for the operator's view; the overlay works wherever its layers are.
        if mkdir(&to).and_then(|()| move_mount(from, &to)).is_err() {
            tracing::debug!(from, "layer left in the initramfs");
        }
    }
    let freed = free_initramfs();

    std::env::set_current_dir(NEW_ROOT).map_err(|e| Error::path("chdir", NEW_ROOT, e))?;
    move_mount(NEW_ROOT, "/")?;
    nix::unistd::chroot(".").map_err(|e| Error::call("chroot", os(e)))?;
    std::env::set_current_dir("/").map_err(|e| Error::path("chdir", "/", e))?;
    Ok(format!(
        "switched root to {} ({}) with a tmpfs overlay; {} KiB of initramfs freed",
        root.device,
        root.fstype,
        freed / 1024
    ))
}

fn wait_for(device: &str) -> Result<(), Error> {
    let start = Instant::now();
    while !Path::new(device).exists() {
        if start.elapsed() > DEVICE_WAIT {
            let missing = std::io::Error::from_raw_os_error(libc::ENOENT);
            return Err(Error::Other(format!(
                "root device {device} did not appear within {DEVICE_WAIT:?} ({missing}; is its driver in boxpark.modules?)"
            )));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

fn mkdir(path: &str) -> Result<(), Error> {
    std::fs::create_dir_all(path).map_err(|e| Error::path("mkdir", path, e))
}

fn mount(
    source: Option<&str>,
    target: &str,
    fstype: Option<&str>,
    flags: MsFlags,
    data: Option<&str>,
) -> Result<(), Error> {
    nix::mount::mount(source, target, fstype, flags, data).map_err(|e| {
        Error::path(
            "mount",
            format!("{} on {target}", source.unwrap_or("")),
            os(e),
        )
    })
}

fn move_mount(from: &str, to: &str) -> Result<(), Error> {
    nix::mount::mount(Some(from), to, None::<&str>, MsFlags::MS_MOVE, None::<&str>)
        .map_err(|e| Error::path("move mount", format!("{from} to {to}"), os(e)))
}

/// Deletes the initramfs's files, staying on its filesystem; returns the bytes freed. Does
/// nothing unless this is PID 1 started as the initramfs's `/init` and `/` really is a ramfs or
/// tmpfs (never on a disk, never in a container started with `--init`).
fn free_initramfs() -> u64 {
    let is_ram = nix::sys::statfs::statfs("/")
        .map(|s| {
            let t = s.filesystem_type();
            t == nix::sys::statfs::TMPFS_MAGIC || u32::try_from(t.0) == Ok(RAMFS_MAGIC)
        })
        .unwrap_or(false);
    let Ok(root) = std::fs::metadata("/") else {
        return 0;
    };
    let initramfs = std::process::id() == 1 && Path::new("/init").is_file();
    if !is_ram || !initramfs {
        return 0;
    }
    remove_tree(Path::new("/"), root.dev(), 0)
}

fn remove_tree(dir: &Path, dev: u64, depth: usize) -> u64 {
    let mut freed = 0;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    for e in entries.flatten() {
        let path = e.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.dev() != dev {
            continue; // a mount point (the new root among them)
        }
        if meta.is_dir() {
            if depth < 32 {
                freed += remove_tree(&path, dev, depth + 1);
            }
            let _ = std::fs::remove_dir(&path);
        } else {
            freed += meta.len();
            let _ = std::fs::remove_file(&path);
        }
    }
    freed
}
