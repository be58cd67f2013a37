//! Why a boot step failed. Boot goes on after most failures; the text reaches the host as a
//! warn `Log`, so it names the file, device or interface concerned.

use std::io;

/// A failed boot step.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A system call on one path: `<op> <path>: <cause>`.
    #[error("{op} {path}: {source}")]
    Path {
        /// `mount`, `open`, `finit_module`, …
        op: &'static str,
        /// The path concerned.
        path: String,
        /// The cause.
        source: io::Error,
    },
    /// A system call on no particular path: `<op>: <cause>`.
    #[error("{op}: {source}")]
    Call {
        /// `sethostname`, `setrlimit`, `chroot`, …
        op: &'static str,
        /// The cause.
        source: io::Error,
    },
    /// A netlink request that the kernel refused, or a link that is not there.
    #[error("netlink: {0}")]
    Netlink(String),
    /// Anything else, already worded.
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// An error of `op` on `path`.
    pub fn path(op: &'static str, path: impl Into<String>, source: impl Into<io::Error>) -> Self {
        Error::Path {
            op,
            path: path.into(),
            source: source.into(),
        }
    }

    /// An error of `op`.
    pub fn call(op: &'static str, source: impl Into<io::Error>) -> Self {
        Error::Call {
            op,
            source: source.into(),
        }
    }
}

/// nix's errno as an `io::Error` (so the text is the OS's).
pub(crate) fn os(e: nix::Error) -> io::Error {
    io::Error::from_raw_os_error(e as i32)
}
