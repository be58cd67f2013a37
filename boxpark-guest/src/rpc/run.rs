//! `Guest.Run`: run a program to completion and return its exit code and output.
//!
//! - `Command`, `Args`, `Env` and `Dir` start the program as [`crate::program`] says (lookup,
//!   environment, directory, process group, errors).
//! - `Stdin` is written while stdout and stderr are read (no pipe deadlock); empty `Stdin` is
//!   `/dev/null`. A program that exits without reading all of it is not an error.
//! - The program runs in its own process group. The call ends when the program has exited and
//!   its stdout and stderr are closed (as Go's `Cmd.Run` with buffers: a background process that
//!   keeps them open keeps the call waiting).
//! - Each of stdout and stderr is kept up to [`MAX_OUTPUT`] bytes; beyond, the process group is
//!   killed and the call fails with `command output too large: stdout exceeds … bytes`. All calls
//!   together keep at most the guest's [`crate::output_budget`] (and one call's limit more).
//! - `Timeout > 0`: on expiry the process group gets SIGKILL, the program is waited for, and the
//!   call fails with `command timed out after <Go duration>`. A negative `Timeout` is no timeout.
//! - If the call is abandoned (its connection closed and the server dropped it), the process
//!   group is killed too.

use std::sync::Arc;
use std::time::Duration;

use boxpark_proto::api::{RunRequest, RunResponse};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

use super::Error;
use crate::output_budget::{CallBudget, OutputBudget};
use crate::program::{self, ProcessGroup, Program};
use crate::reaper::{self, ChildRegistry};

/// Most bytes kept of each of stdout and stderr: 30 MiB, so that a whole `RunResponse` stays under
/// the 64 MiB message limit of gob-codec's decoders.
pub const MAX_OUTPUT: usize = 30 << 20;
/// The first buffer of each of stdout and stderr.
const READ_CHUNK: usize = 64 << 10;
/// How long to wait for a killed program to be gone.
const KILL_WAIT: Duration = Duration::from_secs(5);

/// Runs the request's program to completion, through the process-wide child registry, its
/// output held within the guest's `budget`.
pub async fn run(budget: &Arc<OutputBudget>, req: RunRequest) -> Result<RunResponse, Error> {
    run_with(reaper::children(), MAX_OUTPUT, budget, req).await
}

/// [`run`] with another registry and output limit.
pub async fn run_with(
    registry: &ChildRegistry,
    max_output: usize,
    budget: &Arc<OutputBudget>,
    req: RunRequest,
) -> Result<RunResponse, Error> {
    // Given back when the call returns, its output moved into the reply.
    let budget = budget.call();
    tracing::debug!(command = %req.Command, args = req.Args.len(), dir = %req.Dir, timeout = req.Timeout, "run");
    let program = Program {
        command: &req.Command,
        args: &req.Args,
        env: &req.Env,
        dir: &req.Dir,
        stdin_piped: !req.Stdin.is_empty(),
    };
    let mut child = program::start(registry, &program)?;
    // From here on, leaving early (an error, or the call being dropped) kills the whole group.
    let mut group = ProcessGroup::of(child.pid());
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
                read_capped(stdout, "stdout", max_output, &budget),
                read_capped(stderr, "stderr", max_output, &budget),
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
            group.forget();
            let code = status.code().map(i64::from).unwrap_or(-1);
            tracing::debug!(command = %req.Command, exit_code = code, "run: exited");
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

/// Reads all of `r`, failing once it gave more than `limit` bytes. The buffer grows only by what
/// `budget` gives it (see [`crate::output_budget`]): while the guest's budget is used up, reading
/// waits and the program blocks on its full pipe.
async fn read_capped<R: AsyncRead + Unpin>(
    r: Option<R>,
    stream: &'static str,
    limit: usize,
    budget: &CallBudget,
) -> Result<Vec<u8>, Error> {
    let Some(mut r) = r else {
        return Ok(Vec::new());
    };
    let fail =
        |e: std::io::Error| Error::Other(format!("read {stream}: {}", super::error::os_text(&e)));
    let mut buf = Vec::new();
    loop {
        if buf.capacity() == buf.len() {
            // Doubling, as a Vec grows, from one chunk; one byte past the limit shows an excess.
            let cap = (buf.capacity() * 2).max(READ_CHUNK).min(limit + 1);
            let more = cap - buf.capacity();
            if more == 0 {
                return Err(Error::OutputTooLarge { stream, limit });
            }
            budget.take(more).await;
            buf.reserve_exact(cap - buf.len());
        }
        let room = (buf.capacity() - buf.len()) as u64;
        if (&mut r).take(room).read_buf(&mut buf).await.map_err(fail)? == 0 {
            break;
        }
        if buf.len() > limit {
            return Err(Error::OutputTooLarge { stream, limit });
        }
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let budget = OutputBudget::new(1 << 20);
        let r = run_with(&registry, 1000, &budget, req).await;
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
        let budget = OutputBudget::new(1 << 20);
        let call = run_with(&registry, 1000, &budget, req);
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
