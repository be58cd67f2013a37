//! `Guest.Run`: run a program to completion and return its exit code and output.
//!
//! - `Command` is looked up in the guest's `PATH` when it has no slash (Go's `exec.LookPath`; when
//!   the guest has no `PATH` at all, as PID 1 started by the kernel, [`DEFAULT_PATH`]); `argv[0]`
//!   is `Command` as given.
//! - `Env` empty: the guest's environment, plus `PWD=<Dir>` as Go's `exec.Cmd` adds when `Env` is
//!   nil; otherwise exactly `Env` (entries without `=` are ignored; a later duplicate wins).
//! - `Dir` empty means `/`; a missing one fails with `chdir <dir>: …`.
//! - `Stdin` is written while stdout and stderr are read (no pipe deadlock); empty `Stdin` is
//!   `/dev/null`. A program that exits without reading all of it is not an error.
//! - The program runs in its own process group. The call ends when the program has exited and
//!   its stdout and stderr are closed (as Go's `Cmd.Run` with buffers: a background process that
//!   keeps them open keeps the call waiting).
//! - Each of stdout and stderr is kept up to [`MAX_OUTPUT`] bytes; beyond, the process group is
//!   killed and the call fails with `command output too large: stdout exceeds … bytes`.
//! - `Timeout > 0`: on expiry the process group gets SIGKILL, the program is waited for, and the
//!   call fails with `command timed out after <Go duration>`. A negative `Timeout` is no timeout.
//! - If the call is abandoned (its connection closed and the server dropped it), the process
//!   group is killed too.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use boxpark_proto::api::{RunRequest, RunResponse};
use nix::sys::signal::Signal;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

use super::Error;
use crate::reaper::{self, ChildRegistry};

/// Most bytes kept of each of stdout and stderr: 30 MiB, so that a whole `RunResponse` stays under
/// the 64 MiB message limit of gob-codec's decoders.
pub const MAX_OUTPUT: usize = 30 << 20;
/// The search path used when the guest's environment has no `PATH`.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/// How long to wait for a killed program to be gone.
const KILL_WAIT: Duration = Duration::from_secs(5);

/// Runs the request's program to completion, through the process-wide child registry.
pub async fn run(req: RunRequest) -> Result<RunResponse, Error> {
    run_with(reaper::children(), MAX_OUTPUT, req).await
}

/// [`run`] with another registry and output limit.
pub async fn run_with(
    registry: &ChildRegistry,
    max_output: usize,
    req: RunRequest,
) -> Result<RunResponse, Error> {
    tracing::info!(command = %req.Command, args = req.Args.len(), dir = %req.Dir, timeout = req.Timeout, "run");
    let dir = if req.Dir.is_empty() { "/" } else { &req.Dir };
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            let enotdir = std::io::Error::from_raw_os_error(libc::ENOTDIR);
            return Err(Error::path("chdir", dir, enotdir));
        }
        Err(e) => return Err(Error::path("chdir", dir, e)),
    }
    let program = look_path(&req.Command)?;

    let mut cmd = Command::new(&program);
    cmd.arg0(&req.Command)
        .args(&req.Args)
        .current_dir(dir)
        .stdin(if req.Stdin.is_empty() {
            Stdio::null()
        } else {
            Stdio::piped()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    if req.Env.is_empty() {
        if let Some(pwd) = absolute(dir) {
            cmd.env("PWD", pwd);
        }
    } else {
        cmd.env_clear();
        for kv in &req.Env {
            match kv.split_once('=') {
                Some((k, v)) => {
                    cmd.env(k, v);
                }
                None => tracing::debug!(entry = %kv, "run: environment entry without '=' ignored"),
            }
        }
    }

    let mut child = registry.spawn(&mut cmd).map_err(|e| {
        if reaper::dev_null_missing() {
            Error::path("open", "/dev/null", e)
        } else {
            Error::path("fork/exec", program.display().to_string(), e)
        }
    })?;
    // From here on, leaving early (an error, or the call being dropped) kills the whole group.
    let mut group = GroupKiller(child.pid());
    let stdin = child.stdin.take();
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let input = req.Stdin;

    let outcome = {
        let feed = async move {
            if let Some(mut w) = stdin {
                // EPIPE when the program exits without reading everything: not an error (Go).
                if let Err(e) = w.write_all(&input).await {
                    tracing::debug!(error = %e, "run: stdin not fully written");
                }
            }
            Ok::<(), Error>(())
        };
        let work = async {
            tokio::try_join!(
                feed,
                read_capped(stdout, "stdout", max_output),
                read_capped(stderr, "stderr", max_output),
                async {
                    child
                        .wait()
                        .await
                        .map_err(|e| Error::Other(format!("wait: {}", super::error::os_text(&e))))
                },
            )
        };
        match timeout(req.Timeout) {
            Some(d) => match tokio::time::timeout(d, work).await {
                Ok(r) => r,
                Err(_) => Err(Error::TimedOut(d)),
            },
            None => work.await,
        }
    };

    match outcome {
        Ok(((), stdout, stderr, status)) => {
            // Done as Go is done: processes of the group that closed their output live on.
            group.0 = None;
            let code = status.code().map(i64::from).unwrap_or(-1);
            tracing::info!(command = %req.Command, exit_code = code, "run: exited");
            Ok(RunResponse {
                ExitCode: code,
                Stdout: stdout,
                Stderr: stderr,
            })
        }
        Err(e) => {
            group.kill();
            if tokio::time::timeout(KILL_WAIT, child.wait()).await.is_err() {
                tracing::warn!(command = %req.Command, "run: killed program did not exit");
            }
            tracing::warn!(command = %req.Command, error = %e, "run failed");
            Err(e)
        }
    }
}

/// The request's timeout, if any.
fn timeout(ns: i64) -> Option<Duration> {
    u64::try_from(ns)
        .ok()
        .filter(|&n| n > 0)
        .map(Duration::from_nanos)
}

/// Reads all of `r`, failing once it gave more than `limit` bytes.
async fn read_capped<R: AsyncRead + Unpin>(
    r: Option<R>,
    stream: &'static str,
    limit: usize,
) -> Result<Vec<u8>, Error> {
    let Some(r) = r else {
        return Ok(Vec::new());
    };
    let mut buf = Vec::new();
    r.take(limit as u64 + 1)
        .read_to_end(&mut buf)
        .await
        .map_err(|e| Error::Other(format!("read {stream}: {}", super::error::os_text(&e))))?;
    if buf.len() > limit {
        return Err(Error::OutputTooLarge { stream, limit });
    }
    Ok(buf)
}

/// SIGKILLs a process group when dropped, unless its pgid was taken out.
struct GroupKiller(Option<i32>);

impl GroupKiller {
    fn kill(&mut self) {
        if let Some(pgid) = self.0.take() {
            if let Ok(pgid) = u32::try_from(pgid) {
                if let Err(e) = crate::sys::signal_group(pgid, Signal::SIGKILL) {
                    tracing::warn!(pgid, error = %e, "run: cannot kill the process group");
                }
            }
        }
    }
}

impl Drop for GroupKiller {
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
    fn timeouts() {
        assert_eq!(timeout(0), None);
        assert_eq!(timeout(-5), None);
        assert_eq!(timeout(1_500), Some(Duration::from_nanos(1_500)));
    }

    #[tokio::test]
    async fn output_beyond_the_limit_fails_and_kills_the_group() {
        let registry = ChildRegistry::new();
        let req = RunRequest {
            Command: "sh".into(),
            Args: vec!["-c".into(), "head -c 5000 /dev/zero; sleep 30".into()],
            ..RunRequest::default()
        };
        let started = std::time::Instant::now();
        let r = run_with(&registry, 1000, req).await;
        assert_eq!(
            r.map_err(|e| e.to_string()),
            Err("command output too large: stdout exceeds 1000 bytes".to_owned())
        );
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(registry.is_empty());
    }

    #[tokio::test]
    async fn a_dropped_call_kills_the_group() {
        let registry = ChildRegistry::new();
        let dir = std::env::temp_dir().join(format!("boxpark-run-drop-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let pidfile = dir.join("pid");
        let script = format!("echo $$ > {}; sleep 30 & sleep 30", pidfile.display());
        let req = RunRequest {
            Command: "sh".into(),
            Args: vec!["-c".into(), script],
            ..RunRequest::default()
        };
        let call = run_with(&registry, 1000, req);
        // Dropped once the script has written its pid.
        let pidfile2 = pidfile.clone();
        let wait_pid = async move {
            loop {
                if let Ok(s) = std::fs::read_to_string(&pidfile2) {
                    if let Ok(pid) = s.trim().parse::<i32>() {
                        return pid;
                    }
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        let pgid = tokio::select! {
            r = call => panic!("call ended: {r:?}"),
            pid = tokio::time::timeout(Duration::from_secs(10), wait_pid) => pid.expect("pid file"),
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            let alive = reaper::processes()
                .iter()
                .filter(|p| p.pgrp == pgid && p.state != 'Z')
                .count();
            if alive == 0 {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{alive} processes left in group {pgid}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
