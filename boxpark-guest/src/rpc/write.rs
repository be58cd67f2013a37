//! `Guest.Write`: replace a file atomically, or write a special file in place.
//!
//! - A regular file, or a path where nothing exists: the data goes to a new temporary file in the
//!   same directory (`O_CREAT|O_EXCL`, a random name starting with `.<name>.`), which gets exactly
//!   the requested mode (fchmod; 0 means 0644) and the owner of the file it replaces, is fsynced and
//!   renamed over the path; then the directory is fsynced. Readers see the old or the new contents,
//!   never a mix; a failure leaves the old file and no temporary file.
//! - A symbolic link is followed as Go's `os.WriteFile` follows it: the file it (finally) points
//!   to is what is replaced, atomically, in that file's directory; the link stays a link. A
//!   dangling link creates its target.
//! - Any other existing file (a FIFO, a character device), and any file on one of the kernel's
//!   interface filesystems (procfs, sysfs, cgroup, debugfs, …: `/proc/sys/vm/swappiness` is a
//!   "regular" file there, but nothing can be created beside it): opened
//!   `O_WRONLY|O_TRUNC` without `O_CREAT` and written in place, with no fsync and no mode change.
//!   Opening a FIFO waits for a reader, as in Go.
//! - A directory: `open <path>: is a directory`.

use std::fs::{self, File, OpenOptions, Permissions};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use boxpark_proto::api::{Empty, WriteRequest};

use super::mkdir::permission_bits;
use super::{blocking, Error};

/// The mode of a written file when the request's `Mode` is 0.
pub const DEFAULT_MODE: u32 = 0o644;
/// Most symbolic links followed from the requested path (Linux's own limit).
const MAX_SYMLINKS: usize = 40;
/// Attempts to find an unused temporary name (Go's `os.CreateTemp` tries 10000 times).
const TEMP_ATTEMPTS: usize = 10_000;

/// Writes `Data` to `Path` (see the module documentation for how).
pub async fn write(req: WriteRequest) -> Result<Empty, Error> {
    tracing::debug!(path = %req.Path, bytes = req.Data.len(), mode = format_args!("{:#o}", req.Mode), "write");
    blocking(move || write_file(&req.Path, &req.Data, req.Mode)).await?;
    Ok(Empty {})
}

/// The blocking implementation of `Guest.Write`.
pub(crate) fn write_file(path: &str, data: &[u8], mode: u32) -> Result<(), Error> {
    let mode = permission_bits(mode, DEFAULT_MODE);
    if path.is_empty() {
        let enoent = io::Error::from_raw_os_error(libc::ENOENT);
        return Err(Error::path("open", path, enoent));
    }
    let target = follow_symlinks(path)?;
    match fs::metadata(&target) {
        Ok(m) if m.is_dir() => Err(Error::path(
            "open",
            path,
            io::Error::from_raw_os_error(libc::EISDIR),
        )),
        Ok(m) if m.is_file() && !on_kernel_filesystem(&target) => {
            replace(path, &target, data, mode, Some(&m))
        }
        Ok(_) => write_in_place(path, &target, data),
        // open(2) with O_CREAT on "missing/" fails so.
        Err(e) if e.kind() == io::ErrorKind::NotFound && path.ends_with('/') => Err(Error::path(
            "open",
            path,
            io::Error::from_raw_os_error(libc::EISDIR),
        )),
        Err(e) if e.kind() == io::ErrorKind::NotFound => replace(path, &target, data, mode, None),
        Err(e) => Err(Error::path("open", path, e)),
    }
}

/// The path that a write to `path` lands on: `path` itself unless it is a symbolic link, else the
/// end of the chain of links (which may not exist). Only the last component is resolved here;
/// links among the directories on the way are followed by the kernel as usual.
fn follow_symlinks(path: &str) -> Result<PathBuf, Error> {
    let mut p = PathBuf::from(path);
    for _ in 0..MAX_SYMLINKS {
        match fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = fs::read_link(&p).map_err(|e| Error::path("readlink", path, e))?;
                p = match p.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(Error::path(
        "open",
        path,
        io::Error::from_raw_os_error(libc::ELOOP),
    ))
}

/// Whether `path` is on one of the kernel's interface filesystems (`/proc/sys`, `/sys`,
/// cgroups, …), whose files are "regular" but can only be written in place: no file can be
/// created beside them to rename over them.
fn on_kernel_filesystem(path: &Path) -> bool {
    use nix::sys::statfs::{self, statfs};
    const KERNEL: [statfs::FsType; 8] = [
        statfs::PROC_SUPER_MAGIC,
        statfs::SYSFS_MAGIC,
        statfs::CGROUP2_SUPER_MAGIC,
        statfs::CGROUP_SUPER_MAGIC,
        statfs::DEBUGFS_MAGIC,
        statfs::SECURITYFS_MAGIC,
        statfs::TRACEFS_MAGIC,
        statfs::BPF_FS_MAGIC,
    ];
    statfs(path).is_ok_and(|s| KERNEL.contains(&s.filesystem_type()))
}

/// Writes a non-regular file (or a kernel interface file) in place.
fn write_in_place(path: &str, target: &Path, data: &[u8]) -> Result<(), Error> {
    let mut f = OpenOptions::new()
        .write(true)
        .truncate(true)
        .custom_flags(libc::O_CLOEXEC)
        .open(target)
        .map_err(|e| Error::path("open", path, e))?;
    f.write_all(data).map_err(|e| Error::path("write", path, e))
}

/// Replaces a regular (or missing) file atomically.
fn replace(
    path: &str,
    target: &Path,
    data: &[u8],
    mode: u32,
    old: Option<&fs::Metadata>,
) -> Result<(), Error> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (tmp_path, mut tmp) = create_temp(&dir, &name).map_err(|e| Error::path("open", path, e))?;
    let tmp_name = tmp_path.display().to_string();
    let result = (|| {
        tmp.write_all(data)
            .map_err(|e| Error::path("write", &tmp_name, e))?;
        if let Some(old) = old {
            // Keep the owner of the file being replaced; best effort (only root may give away).
            if let Err(e) = std::os::unix::fs::fchown(&tmp, Some(old.uid()), Some(old.gid())) {
                tracing::debug!(path, error = %e, "write: cannot keep the owner");
            }
        }
        tmp.set_permissions(Permissions::from_mode(mode))
            .map_err(|e| Error::path("chmod", &tmp_name, e))?;
        tmp.sync_all()
            .map_err(|e| Error::path("sync", &tmp_name, e))?;
        fs::rename(&tmp_path, target).map_err(|e| Error::Link {
            op: "rename",
            old: tmp_name.clone(),
            new: target.display().to_string(),
            source: e,
        })
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp_path);
        return Err(e);
    }
    // The rename is durable once the directory is.
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::path("sync", dir.display().to_string(), e))
}

/// Creates `<dir>/.<name>.<random>` with `O_EXCL` and mode 0600.
fn create_temp(dir: &Path, name: &str) -> io::Result<(PathBuf, File)> {
    let mut last = io::Error::from_raw_os_error(libc::EEXIST);
    for _ in 0..TEMP_ATTEMPTS {
        let candidate = dir.join(format!(".{name}.{}", random_suffix()));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_CLOEXEC)
            .open(&candidate)
        {
            Ok(f) => return Ok((candidate, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = e,
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

/// A random-ish decimal suffix: std's per-process random hash keys, the time and a counter.
fn random_suffix() -> u32 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(t.as_nanos());
    }
    h.finish() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_differ() {
        let a: std::collections::BTreeSet<u32> = (0..100).map(|_| random_suffix()).collect();
        assert!(a.len() > 90);
    }

    #[test]
    fn kernel_files_are_written_in_place() {
        assert!(on_kernel_filesystem(Path::new("/proc/sys/vm/swappiness")));
        assert!(!on_kernel_filesystem(&std::env::temp_dir()));
        // A procfs file that is "regular" and harmless to write: this thread's name. Replacing
        // it by rename would fail (nothing can be created in /proc).
        let comm = "/proc/thread-self/comm";
        write_file(comm, b"bp-write-test", 0).expect("write in place");
        assert_eq!(fs::read_to_string(comm).expect("read"), "bp-write-test\n");
    }

    #[test]
    fn a_directory_is_refused() {
        assert_eq!(
            write_file("/", b"x", 0).map_err(|e| e.to_string()),
            Err("open /: is a directory".to_owned())
        );
    }

    #[test]
    fn a_missing_directory_is_reported_with_the_requested_path() {
        assert_eq!(
            write_file("/nonexistent-boxpark-dir/f", b"x", 0).map_err(|e| e.to_string()),
            Err("open /nonexistent-boxpark-dir/f: no such file or directory".to_owned())
        );
    }
}
