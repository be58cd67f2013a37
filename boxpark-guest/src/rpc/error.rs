//! Why a `Guest` method failed, and the one place where that becomes the `net/rpc` `Error` text.
//!
//! The texts follow what the Go standard library prints for the same failure (`*os.PathError`,
//! `*os.LinkError`, `exec.ErrNotFound`, errno texts in lower case), so a host written in Go sees
//! the messages it would see from a Go guest.

use std::fmt;
use std::io;
use std::time::Duration;

/// A failed `Guest` call. Its `Display` is the `Error` string of the `net/rpc` reply.
#[derive(Debug)]
pub enum Error {
    /// An operation on one path, as Go's `*os.PathError`: `<op> <path>: <errno text>`.
    Path {
        /// `open`, `write`, `mkdir`, `stat`, …
        op: &'static str,
        /// The path as the request named it.
        path: String,
        /// The cause.
        source: io::Error,
    },
    /// An operation on two paths, as Go's `*os.LinkError`: `<op> <old> <new>: <errno text>`.
    Link {
        /// `rename`.
        op: &'static str,
        /// The first path.
        old: String,
        /// The second path.
        new: String,
        /// The cause.
        source: io::Error,
    },
    /// `mount <source> on <target>: <cause>`.
    Mount {
        /// `MountRequest.Source`.
        source: String,
        /// `MountRequest.Target`.
        target: String,
        /// What failed: the check of the target or mount(2) itself.
        cause: Box<Error>,
    },
    /// A bare errno, as Go's `syscall.Errno` prints it.
    Os(io::Error),
    /// `exec: "<name>": executable file not found in $PATH`, as Go's `exec.LookPath`.
    ExecNotFound(String),
    /// `exec: "<name>": cannot run executable found relative to current directory` (Go's
    /// `exec.ErrDot`).
    ExecDot(String),
    /// `command timed out after <Go duration>`.
    TimedOut(Duration),
    /// A command wrote more than the guest keeps of one output stream.
    OutputTooLarge {
        /// `stdout` or `stderr`.
        stream: &'static str,
        /// The limit in bytes.
        limit: usize,
    },
    /// A `Run` whose connection closed (or a `Shutdown` stopped it) before it ended: its
    /// process group was killed.
    Abandoned,
    /// Anything else, already worded.
    Other(String),
}

impl Error {
    /// A `*os.PathError`-like error.
    pub fn path(op: &'static str, path: impl Into<String>, source: io::Error) -> Self {
        Error::Path {
            op,
            path: path.into(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Path { op, path, source } => write!(f, "{op} {path}: {}", os_text(source)),
            Error::Link {
                op,
                old,
                new,
                source,
            } => write!(f, "{op} {old} {new}: {}", os_text(source)),
            Error::Mount {
                source,
                target,
                cause,
            } => write!(f, "mount {source} on {target}: {cause}"),
            Error::Os(e) => f.write_str(&os_text(e)),
            Error::ExecNotFound(name) => {
                write!(f, "exec: {name:?}: executable file not found in $PATH")
            }
            Error::ExecDot(name) => write!(
                f,
                "exec: {name:?}: cannot run executable found relative to current directory"
            ),
            Error::TimedOut(d) => write!(
                f,
                "command timed out after {}",
                go_duration(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
            ),
            Error::OutputTooLarge { stream, limit } => {
                write!(
                    f,
                    "command output too large: {stream} exceeds {limit} bytes"
                )
            }
            Error::Abandoned => f.write_str("command killed: the RPC connection is closing"),
            Error::Other(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for Error {}

/// The text Go prints for an OS error: the errno's description in lower case ("no such file or
/// directory"), without Rust's " (os error 2)" suffix. Other errors print as they are.
pub fn os_text(e: &io::Error) -> String {
    let Some(code) = e.raw_os_error() else {
        return e.to_string();
    };
    let full = io::Error::from_raw_os_error(code).to_string();
    let text = match full.rfind(" (os error ") {
        Some(i) => &full[..i],
        None => full.as_str(),
    };
    // Go's errno table has glibc's texts, starting in lower case.
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Go's `time.Duration.String()` for `ns` nanoseconds: `0s`, `1ns`, `1.5µs`, `300ms`, `1.5s`,
/// `1m30s`, `2h0m0s`.
pub fn go_duration(ns: i64) -> String {
    let neg = ns < 0;
    let mut u = ns.unsigned_abs();
    // Built back to front, as Go does.
    let mut out: Vec<char> = Vec::with_capacity(32);
    if u < 1_000_000_000 {
        let prec;
        out.push('s');
        match u {
            0 => return "0s".to_owned(),
            1..=999 => {
                prec = 0;
                out.push('n');
            }
            1_000..=999_999 => {
                prec = 3;
                out.push('µ');
            }
            _ => {
                prec = 6;
                out.push('m');
            }
        }
        u = frac(&mut out, u, prec);
        int(&mut out, u);
    } else {
        out.push('s');
        u = frac(&mut out, u, 9);
        int(&mut out, u % 60);
        u /= 60;
        if u > 0 {
            out.push('m');
            int(&mut out, u % 60);
            u /= 60;
            if u > 0 {
                out.push('h');
                int(&mut out, u);
            }
        }
    }
    if neg {
        out.push('-');
    }
    out.iter().rev().collect()
}

/// Pushes (reversed) the fraction `v / 10^prec` without trailing zeros, and its point if any;
/// returns the integer part.
fn frac(out: &mut Vec<char>, mut v: u64, prec: u32) -> u64 {
    let mut print = false;
    for _ in 0..prec {
        let digit = (v % 10) as u8;
        print = print || digit != 0;
        if print {
            out.push(char::from(b'0' + digit));
        }
        v /= 10;
    }
    if print {
        out.push('.');
    }
    v
}

/// Pushes (reversed) the decimal digits of `v`.
fn int(out: &mut Vec<char>, mut v: u64) {
    if v == 0 {
        out.push('0');
        return;
    }
    while v > 0 {
        out.push(char::from(b'0' + (v % 10) as u8));
        v /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_as_go_prints_them() {
        let cases: &[(i64, &str)] = &[
            (0, "0s"),
            (1, "1ns"),
            (999, "999ns"),
            (1_000, "1µs"),
            (1_500, "1.5µs"),
            (1_000_000, "1ms"),
            (300_000_000, "300ms"),
            (1_234_567, "1.234567ms"),
            (1_000_000_000, "1s"),
            (1_500_000_000, "1.5s"),
            (60_000_000_000, "1m0s"),
            (90_000_000_000, "1m30s"),
            (3_600_000_000_000, "1h0m0s"),
            (3_661_000_000_001, "1h1m1.000000001s"),
            (-1_000_000_000, "-1s"),
            (-1, "-1ns"),
            (i64::MAX, "2562047h47m16.854775807s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
        ];
        for &(ns, want) in cases {
            assert_eq!(go_duration(ns), want, "{ns}");
        }
    }

    #[test]
    fn os_errors_print_as_go_prints_them() {
        let t = |code| os_text(&io::Error::from_raw_os_error(code));
        assert_eq!(t(libc::ENOENT), "no such file or directory");
        assert_eq!(t(libc::ENOTDIR), "not a directory");
        assert_eq!(t(libc::EACCES), "permission denied");
        assert_eq!(t(libc::EIO), "input/output error");
        assert_eq!(os_text(&io::Error::other("Custom")), "Custom");
    }

    #[test]
    fn messages() {
        let e = Error::Mount {
            source: "tmpfs".into(),
            target: "/x".into(),
            cause: Box::new(Error::path(
                "stat",
                "/x",
                io::Error::from_raw_os_error(libc::ENOENT),
            )),
        };
        assert_eq!(
            e.to_string(),
            "mount tmpfs on /x: stat /x: no such file or directory"
        );
        assert_eq!(
            Error::ExecNotFound("nope".into()).to_string(),
            "exec: \"nope\": executable file not found in $PATH"
        );
        assert_eq!(
            Error::TimedOut(Duration::from_millis(1500)).to_string(),
            "command timed out after 1.5s"
        );
    }
}
