//! Starting a program, as `Guest.Run` and `launch` proxy connections both do (as a Go guest
//! would, with `exec.Command` and `Cmd.Start`), and signalling its process group.
//!
//! - The program is looked up in the guest's `PATH` when it has no slash (Go's `exec.LookPath`;
//!   with no `PATH` at all, [`DEFAULT_PATH`]); `argv[0]` is the name as given.
//! - The directory (empty: `/`) is checked first, so that its error names it:
//!   `chdir <dir>: <errno text>`.
//! - `Env` empty: the guest's own environment plus `PWD=<dir>`, as Go's `Cmd.Environ` adds it when
//!   `Env` is nil; otherwise exactly `Env`, where an entry without `KEY=` is skipped (and logged at
//!   debug level) and a later duplicate wins.
//! - stdin is `/dev/null` or a pipe; stdout and stderr are pipes. The program runs in a process
//!   group of its own and is spawned through the guest's [`ChildRegistry`], so the zombie reaper
//!   leaves its exit status to us.
//! - A failed spawn says `fork/exec <program>: <errno text>`, except when `/dev/null` is missing
//!   (the guest opens it before the fork): then `open /dev/null: no such file or directory`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use nix::sys::signal::Signal;
use tokio::process::Command;

pub use crate::boot::process::DEFAULT_PATH;
use crate::reaper::{ChildRegistry, RegisteredChild};
use crate::rpc::Error;

/// What to start.
#[derive(Debug, Clone, Copy)]
pub struct Program<'a> {
    /// The program: a path, or a name looked up in `PATH`.
    pub command: &'a str,
    /// Arguments after the program.
    pub args: &'a [String],
    /// `KEY=VALUE` entries; empty means the guest's environment.
    pub env: &'a [String],
    /// Working directory; empty means `/`.
    pub dir: &'a str,
    /// Whether stdin is a pipe (else `/dev/null`).
    pub stdin_piped: bool,
}

/// Starts `program` through `registry`.
pub fn start<'r>(
    registry: &'r ChildRegistry,
    program: &Program<'_>,
) -> Result<RegisteredChild<'r>, Error> {
    let dir = if program.dir.is_empty() {
        "/"
    } else {
        program.dir
    };
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            let enotdir = std::io::Error::from_raw_os_error(libc::ENOTDIR);
            return Err(Error::path("chdir", dir, enotdir));
        }
        Err(e) => return Err(Error::path("chdir", dir, e)),
    }
    let path = look_path(program.command)?;
    let mut cmd = Command::new(&path);
    cmd.arg0(program.command)
        .args(program.args)
        .current_dir(dir)
        .stdin(if program.stdin_piped {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    if program.env.is_empty() {
        if let Some(pwd) = absolute(dir) {
            cmd.env("PWD", pwd);
        }
    } else {
        cmd.env_clear();
        for kv in program.env {
            match kv.split_once('=') {
                Some((k, v)) if !k.is_empty() => {
                    cmd.env(k, v);
                }
                _ => tracing::debug!(entry = %kv, "environment entry without KEY= skipped"),
            }
        }
    }
    registry.spawn(&mut cmd).map_err(|e| {
        if dev_null_missing() {
            Error::path("open", "/dev/null", e)
        } else {
            Error::path("fork/exec", path.display().to_string(), e)
        }
    })
}

/// Whether a failed spawn failed for want of `/dev/null` (which `Stdio::null()` opens before
/// the fork): then the error must name it, not the program (a VM without `/dev` mounted).
fn dev_null_missing() -> bool {
    !std::path::Path::new("/dev/null").exists()
}

/// A started program's process group: signalled until [`ProcessGroup::forget`], and killed
/// (SIGKILL) when dropped before that, so that no descendant outlives an abandoned call.
#[derive(Debug)]
pub struct ProcessGroup {
    pgid: Option<u32>,
}

impl ProcessGroup {
    /// The group led by the child `pid` (as spawned by [`start`]).
    pub fn of(pid: Option<i32>) -> Self {
        ProcessGroup {
            pgid: pid.and_then(|p| u32::try_from(p).ok()),
        }
    }

    /// Sends `sig` to the group (nothing once forgotten); a group already gone is not an error.
    pub fn signal(&self, sig: Signal) {
        if let Some(pgid) = self.pgid {
            if let Err(e) = crate::sys::signal_group(pgid, sig) {
                tracing::warn!(pgid, signal = %sig, error = %e, "cannot signal the process group");
            }
        }
    }

    /// SIGKILLs the group now, and forgets it.
    pub fn kill(&mut self) {
        self.signal(Signal::SIGKILL);
        self.pgid = None;
    }

    /// Stops signalling the group: its leader was reaped (its id may be reused), or what is left
    /// of it is allowed to live on (as after Go's `Cmd.Run`).
    pub fn forget(&mut self) {
        self.pgid = None;
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `dir` made absolute against the guest's working directory.
fn absolute(dir: &str) -> Option<PathBuf> {
    let p = Path::new(dir);
    if p.is_absolute() {
        Some(p.to_owned())
    } else {
        std::env::current_dir().ok().map(|cwd| cwd.join(p))
    }
}

/// Go's `exec.LookPath` against the guest's `PATH` (or [`DEFAULT_PATH`]).
pub fn look_path(name: &str) -> Result<PathBuf, Error> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| OsString::from(DEFAULT_PATH));
    look_path_in(name, &path)
}

fn look_path_in(name: &str, path: &std::ffi::OsStr) -> Result<PathBuf, Error> {
    if name.contains('/') {
        return Ok(PathBuf::from(name));
    }
    if !path.is_empty() {
        for dir in std::env::split_paths(path) {
            let dir = if dir.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                dir
            };
            let candidate = dir.join(name);
            if is_executable(&candidate) {
                if candidate.is_relative() {
                    return Err(Error::ExecDot(name.to_owned()));
                }
                return Ok(candidate);
            }
        }
    }
    Err(Error::ExecNotFound(name.to_owned()))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(p) {
        Ok(m) => !m.is_dir() && m.permissions().mode() & 0o111 != 0,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup() {
        let p = |s: &str| std::ffi::OsString::from(s);
        assert_eq!(
            look_path_in("sh", &p("/nonexistent:/bin:/usr/bin")).map_err(|e| e.to_string()),
            Ok(PathBuf::from("/bin/sh"))
        );
        assert_eq!(
            look_path_in("/x/y", &p("")).map_err(|e| e.to_string()),
            Ok(PathBuf::from("/x/y"))
        );
        assert_eq!(
            look_path_in("nope-boxpark", &p("/bin")).map_err(|e| e.to_string()),
            Err("exec: \"nope-boxpark\": executable file not found in $PATH".to_owned())
        );
        assert_eq!(
            look_path_in("", &p("/bin")).map_err(|e| e.to_string()),
            Err("exec: \"\": executable file not found in $PATH".to_owned())
        );
        assert_eq!(
            look_path_in("sh", &p("")).map_err(|e| e.to_string()),
            Err("exec: \"sh\": executable file not found in $PATH".to_owned())
        );
        // A directory named like the program is skipped.
        assert_eq!(
            look_path_in("bin", &p("/")).map_err(|e| e.to_string()),
            Err("exec: \"bin\": executable file not found in $PATH".to_owned())
        );
    }

    #[test]
    fn a_missing_directory_is_named_before_the_program() {
        let registry = ChildRegistry::new();
        let program = Program {
            command: "no-such-program-boxpark",
            args: &[],
            env: &[],
            dir: "/no/such/dir",
            stdin_piped: false,
        };
        let e = start(&registry, &program)
            .map(|_| ())
            .map_err(|e| e.to_string());
        assert_eq!(
            e,
            Err("chdir /no/such/dir: no such file or directory".to_owned())
        );
    }
}
