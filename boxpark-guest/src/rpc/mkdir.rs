//! `Guest.Mkdir`: like Go's `os.MkdirAll`.

use std::fs::{self, DirBuilder, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};

use boxpark_proto::api::{Empty, MkdirRequest};

use super::Error;

/// The mode of new directories when the request's `Mode` is 0.
pub const DEFAULT_MODE: u32 = 0o755;

/// Creates `Path` and its missing parents with `Mode`'s permission bits (0 means 0755). An
/// existing directory is fine; an existing non-directory fails with `mkdir <path>: not a
/// directory`. Directories that already exist keep their mode.
///
/// Runs on the calling thread: stat, mkdir and chmod change only metadata and do not wait for the
/// disk, so a hand-off to a blocking thread would cost more than the calls themselves.
pub fn mkdir(req: MkdirRequest) -> Result<Empty, Error> {
    tracing::debug!(path = %req.Path, mode = format_args!("{:#o}", req.Mode), "mkdir");
    let mode = permission_bits(req.Mode, DEFAULT_MODE);
    mkdir_all(&req.Path, mode)?;
    Ok(Empty {})
}

/// `mode & 0o777`, or `default` when that is 0. Like Go's `os.FileMode(mode).Perm()`, the bits
/// above 0o777 are not used.
pub(crate) fn permission_bits(mode: u32, default: u32) -> u32 {
    match mode & 0o777 {
        0 => default,
        m => m,
    }
}

/// Go's `os.MkdirAll`, step by step, except that each directory it creates gets exactly `mode`
/// (a chmod after mkdir, so the guest's umask does not matter).
pub(crate) fn mkdir_all(path: &str, mode: u32) -> Result<(), Error> {
    match fs::metadata(path) {
        Ok(m) if m.is_dir() => return Ok(()),
        Ok(_) => {
            return Err(Error::path(
                "mkdir",
                path,
                io::Error::from_raw_os_error(libc::ENOTDIR),
            ))
        }
        Err(_) => {}
    }
    // The parent: strip trailing slashes, then the last element.
    let bytes = path.as_bytes();
    let mut i = bytes.len();
    while i > 0 && bytes[i - 1] == b'/' {
        i -= 1;
    }
    let mut j = i;
    while j > 0 && bytes[j - 1] != b'/' {
        j -= 1;
    }
    if j > 1 {
        // `path[..j - 1]` ends before a '/', so it is a char boundary.
        let parent = path.get(..j - 1).unwrap_or("/");
        mkdir_all(parent, mode)?;
    }
    match DirBuilder::new().mode(mode).create(path) {
        Ok(()) => fs::set_permissions(path, Permissions::from_mode(mode))
            .map_err(|e| Error::path("chmod", path, e)),
        Err(e) => match fs::symlink_metadata(path) {
            // Someone else made it meanwhile (or it is `..` and similar).
            Ok(m) if m.is_dir() => Ok(()),
            _ => Err(Error::path("mkdir", path, e)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        assert_eq!(permission_bits(0, 0o755), 0o755);
        assert_eq!(permission_bits(0o700, 0o755), 0o700);
        assert_eq!(permission_bits(0o4750, 0o755), 0o750);
        assert_eq!(permission_bits(0o7000, 0o644), 0o644);
    }

    #[test]
    fn go_like_errors() {
        assert_eq!(
            mkdir_all("", 0o755).map_err(|e| e.to_string()),
            Err("mkdir : no such file or directory".to_owned())
        );
        assert_eq!(mkdir_all("/", 0o755).map_err(|e| e.to_string()), Ok(()));
        assert_eq!(
            mkdir_all("/dev/null/x", 0o755).map_err(|e| e.to_string()),
            Err("mkdir /dev/null: not a directory".to_owned())
        );
    }
}
