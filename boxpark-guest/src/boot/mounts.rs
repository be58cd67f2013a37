//! The API filesystems that every program expects (`/proc`, `/sys`, `/dev`, …), mounted where
//! they are not mounted yet, and the `/dev` links that devtmpfs does not make.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use nix::mount::MsFlags;

use super::{BootReport, Error, Outcome};

/// One filesystem of the standard layout.
#[derive(Debug, Clone, Copy)]
pub struct ApiMount {
    /// Where it goes.
    pub target: &'static str,
    /// The filesystem type (also used as the source, as `mount -t proc proc /proc` does).
    pub fstype: &'static str,
    /// `MS_*` flags.
    pub flags: MsFlags,
    /// Mount options.
    pub data: &'static str,
}

const NOSUID_NODEV: MsFlags = MsFlags::MS_NOSUID.union(MsFlags::MS_NODEV);
const NOSUID_NODEV_NOEXEC: MsFlags = NOSUID_NODEV.union(MsFlags::MS_NOEXEC);

/// What `/proc/cmdline` and the console need, mounted first.
pub const EARLY: [ApiMount; 2] = [
    ApiMount {
        target: "/proc",
        fstype: "proc",
        flags: NOSUID_NODEV_NOEXEC,
        data: "",
    },
    ApiMount {
        target: "/dev",
        fstype: "devtmpfs",
        flags: MsFlags::MS_NOSUID,
        data: "mode=0755",
    },
];

/// The whole standard layout, parents before children (as systemd mounts it).
pub const ALL: [ApiMount; 8] = [
    EARLY[0],
    ApiMount {
        target: "/sys",
        fstype: "sysfs",
        flags: NOSUID_NODEV_NOEXEC,
        data: "",
    },
    EARLY[1],
    ApiMount {
        target: "/dev/pts",
        fstype: "devpts",
        flags: MsFlags::MS_NOSUID.union(MsFlags::MS_NOEXEC),
        data: "gid=5,mode=0620,ptmxmode=0666",
    },
    ApiMount {
        target: "/dev/shm",
        fstype: "tmpfs",
        flags: NOSUID_NODEV,
        data: "mode=1777",
    },
    ApiMount {
        target: "/run",
        fstype: "tmpfs",
        flags: NOSUID_NODEV,
        data: "mode=0755",
    },
    ApiMount {
        target: "/tmp",
        fstype: "tmpfs",
        flags: NOSUID_NODEV,
        data: "mode=1777",
    },
    ApiMount {
        target: "/sys/fs/cgroup",
        fstype: "cgroup2",
        flags: NOSUID_NODEV_NOEXEC,
        data: "nsdelegate",
    },
];

/// Mounts each of `mounts` that is not mounted yet (creating its directory), under `root`
/// (`/` in a VM; a scratch directory in tests).
pub fn mount_missing(root: &Path, mounts: &[ApiMount], report: &mut BootReport) {
    for m in mounts {
        let target = root.join(m.target.trim_start_matches('/'));
        let step = m.target;
        if is_mountpoint(&target) {
            report.record(
                step,
                Outcome::Skipped(format!("{} already mounted", m.target)),
            );
            continue;
        }
        let result =
            mount_one(&target, m).map(|()| format!("mounted {} on {}", m.fstype, target.display()));
        report.result(step, result);
    }
}

fn mount_one(target: &Path, m: &ApiMount) -> Result<(), Error> {
    std::fs::create_dir_all(target)
        .map_err(|e| Error::path("mkdir", target.display().to_string(), e))?;
    let data = (!m.data.is_empty()).then_some(m.data);
    nix::mount::mount(Some(m.fstype), target, Some(m.fstype), m.flags, data)
        .map_err(|e| Error::path("mount", target.display().to_string(), super::error::os(e)))
}

/// Whether `path` is a mount point: `/`, or on another device than its parent. (This works
/// before `/proc` is mounted; a bind mount of the same filesystem is not seen, which the guest
/// never needs.)
pub fn is_mountpoint(path: &Path) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return false;
    };
    if !meta.is_dir() {
        return false;
    }
    match std::fs::metadata(path.join("..")) {
        Ok(parent) => parent.dev() != meta.dev() || parent.ino() == meta.ino(),
        Err(_) => false,
    }
}

/// The links that udev or systemd would make in `/dev` and programs expect (`/dev/fd` for
/// bash's process substitution, `/dev/stdin` for `cat /dev/stdin`).
pub fn dev_links(root: &Path, report: &mut BootReport) {
    const LINKS: [(&str, &str); 5] = [
        ("dev/fd", "/proc/self/fd"),
        ("dev/stdin", "/proc/self/fd/0"),
        ("dev/stdout", "/proc/self/fd/1"),
        ("dev/stderr", "/proc/self/fd/2"),
        ("dev/core", "/proc/kcore"),
    ];
    let mut made = Vec::new();
    for (link, to) in LINKS {
        let path = root.join(link);
        if std::fs::symlink_metadata(&path).is_ok() {
            continue;
        }
        match std::os::unix::fs::symlink(to, &path) {
            Ok(()) => made.push(link),
            Err(e) => {
                report.record(
                    "/dev links",
                    Outcome::Failed(Error::path("symlink", path.display().to_string(), e)),
                );
            }
        }
    }
    if !made.is_empty() {
        report.record(
            "/dev links",
            Outcome::Done(format!("linked {}", made.join(", "))),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mountpoints() {
        assert!(is_mountpoint(Path::new("/")));
        // /proc is mounted wherever these tests run.
        assert!(is_mountpoint(Path::new("/proc")));
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(!is_mountpoint(dir.path()));
        assert!(!is_mountpoint(&dir.path().join("missing")));
    }

    #[test]
    fn the_layout_mounts_parents_first() {
        for (i, m) in ALL.iter().enumerate() {
            for later in &ALL[i + 1..] {
                assert!(
                    !m.target.starts_with(&format!("{}/", later.target)),
                    "{} comes before its parent {}",
                    m.target,
                    later.target
                );
            }
        }
    }

    #[test]
    fn links_are_made_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("dev")).expect("mkdir");
        let mut report = BootReport::new();
        dev_links(dir.path(), &mut report);
        let fd = std::fs::read_link(dir.path().join("dev/fd")).expect("dev/fd");
        assert_eq!(fd, Path::new("/proc/self/fd"));
        dev_links(dir.path(), &mut report);
        assert_eq!(report.failures(), 0);
    }
}
