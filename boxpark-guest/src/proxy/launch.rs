//! `launch` proxy connections: start a program and send its output lines as gob `LaunchOutput`s.
//!
//! The program (`Address`, looked up in the guest's `PATH` when it has no slash, as Go's
//! `exec.Command` does; `argv[0]` is `Address` as given) runs with `Args`, `Env` (empty: the
//! guest's environment; an entry without `=` is skipped), `Dir` (empty: `/`), stdin on
//! `/dev/null`, stdout and stderr piped, in its own process group. A program that cannot be started
//! is logged and the connection closed before anything is written.
//!
//! Output is cut into lines as Go's `bufio.ScanLines` does: the `\n` and a `\r` before it are
//! dropped, and a final line without a newline counts as a line. A line longer than [`MAX_LINE`]
//! bytes goes out as several lines of at most that size, cut between UTF-8 characters where the
//! bytes allow. Invalid UTF-8 becomes U+FFFD. Lines are batched per stream (see
//! [`boxpark_proto::proxy::batch`]): a batch goes out when it holds 64 lines, or when the next line
//! would take it past 64 KiB of text (so a batch holds at most 64 KiB unless one line alone is
//! longer after UTF-8 repair), or 100 ms after its first line. All messages go through one gob
//! encoder. After the process has exited, the output still in the pipes is sent (waiting at most
//! [`OUTPUT_WAIT_AFTER_EXIT`] for descendants that keep the pipes open), then the last message:
//! `Exited` set, `Stream` 0, `ExitCode` as Go's `ExitCode()` (-1 when ended by a signal).
//!
//! End of stream (or an error) on the connection's read side while the process runs means the host
//! hung up: the process group gets SIGTERM, then SIGKILL after [`TERM_GRACE`] if the process has
//! not exited. The guest's shutdown signal does the same. The process is always reaped, and the
//! group is signalled only before that, so a recycled group id is never hit.

use std::io;
use std::time::Duration;

use boxpark_proto::proxy::{batch, LaunchOutput, ProxyRequest};
use gob_codec::async_io::AsyncEncoder;
use nix::sys::signal::Signal;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::reaper::RegisteredChild;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::{Failure, HostReader, HostWriter, Outcome};
use crate::program::{self, ProcessGroup, Program};

/// Longest line sent whole; longer ones are cut into pieces of this size.
pub const MAX_LINE: usize = batch::MAX_BYTES;
/// How long SIGKILL follows SIGTERM when the host hung up.
pub const TERM_GRACE: Duration = Duration::from_secs(5);
/// After the process exited, how long output from descendants that hold its pipes is still read.
pub const OUTPUT_WAIT_AFTER_EXIT: Duration = Duration::from_secs(1);
/// Lines queued between the pipe readers and the connection (backpressure on the pipes).
const LINE_QUEUE: usize = 256;

/// A line read from stream 0 (stdout) or 1 (stderr).
struct Line(usize, String);

/// Serves a `launch` request: the process's output to the host until it exits.
pub async fn serve(
    guest: &crate::Guest,
    req: &ProxyRequest,
    mut host_in: HostReader,
    host_out: HostWriter,
) -> Outcome {
    let mut child = start(req).map_err(Failure::Refused)?;
    let Some(pid) = child.id() else {
        return Err(Failure::Refused(io::Error::other(
            "started process has no pid",
        )));
    };
    // Killed if this task is dropped while the process runs (the runtime is stopping); tokio
    // reaps the dropped child in the background.
    let mut group = ProcessGroup::of(child.pid());
    tracing::info!(program = %req.Address, pid, "launched");

    let (tx, mut lines) = mpsc::channel(LINE_QUEUE);
    let mut readers = Vec::new();
    if let Some(out) = child.stdout.take() {
        readers.push(Task(tokio::spawn(read_lines(0, out, tx.clone()))));
    }
    if let Some(err) = child.stderr.take() {
        readers.push(Task(tokio::spawn(read_lines(1, err, tx.clone()))));
    }
    drop(tx);

    let mut out = Batches::new(host_out);
    let mut hangup_buf = [0u8; 512];
    let mut host_open = true;
    let mut pipes_open = true;
    let mut exit_code: Option<i64> = None;
    let mut output_until = Instant::now();
    let mut terminated = false;
    let mut kill_at: Option<Instant> = None;
    loop {
        if exit_code.is_some() && !pipes_open {
            break;
        }
        if exit_code.is_none() && !terminated && (!out.host_there() || guest.shutdown.is_fired()) {
            tracing::info!(program = %req.Address, pid, "host hung up: terminating the process group");
            group.signal(Signal::SIGTERM);
            terminated = true;
            kill_at = Some(Instant::now() + TERM_GRACE);
        }
        let due = out.next_due();
        tokio::select! {
            line = lines.recv(), if pipes_open => match line {
                Some(Line(stream, text)) => out.add(stream, text).await,
                None => pipes_open = false,
            },
            _ = sleep_until(due), if due.is_some() => out.flush_due().await,
            status = child.wait(), if exit_code.is_none() => {
                // Reaped: its group id may be reused, so it is signalled no more.
                group.forget();
                exit_code = Some(match status {
                    Ok(s) => s.code().map_or(-1, i64::from),
                    Err(e) => {
                        tracing::warn!(program = %req.Address, pid, error = %e, "wait failed");
                        -1
                    }
                });
                output_until = Instant::now() + OUTPUT_WAIT_AFTER_EXIT;
            },
            got = host_in.read(&mut hangup_buf), if host_open => {
                // The host sends nothing after the request; anything it does send is ignored.
                if matches!(got, Ok(0) | Err(_)) {
                    host_open = false;
                    out.host_gone();
                }
            },
            _ = sleep_until(kill_at), if kill_at.is_some() && exit_code.is_none() => {
                tracing::warn!(program = %req.Address, pid, "still running after SIGTERM: SIGKILL");
                group.signal(Signal::SIGKILL);
                kill_at = None;
            },
            _ = tokio::time::sleep_until(output_until), if exit_code.is_some() && pipes_open => {
                tracing::debug!(pid, "pipes still open after exit: not waiting longer");
                break;
            },
            _ = guest.shutdown.fired(), if !terminated && exit_code.is_none() => {},
        }
    }
    drop(readers); // closes the pipes
    let code = exit_code.unwrap_or(-1);
    tracing::info!(program = %req.Address, pid, exit_code = code, "launched process exited");
    out.finish(code).await;
    Ok(())
}

/// Sleeps until `at`, or forever for `None` (such branches are disabled anyway).
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// A task aborted when dropped (a pipe reader: aborting it closes the pipe).
struct Task(JoinHandle<()>);

impl Drop for Task {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts the program (see [`crate::program`]), with stdin on `/dev/null`.
fn start(req: &ProxyRequest) -> io::Result<RegisteredChild<'static>> {
    let program = Program {
        command: &req.Address,
        args: &req.Args,
        env: &req.Env,
        dir: &req.Dir,
        stdin_piped: false,
    };
    program::start(crate::reaper::children(), &program).map_err(|e| io::Error::other(e.to_string()))
}

/// Reads `r` to its end, sending each line (see the module's documentation for the rules).
async fn read_lines<R: AsyncRead + Unpin>(stream: usize, r: R, tx: mpsc::Sender<Line>) {
    let mut r = BufReader::with_capacity(MAX_LINE, r);
    let mut line: Vec<u8> = Vec::new();
    loop {
        let buf = match r.fill_buf().await {
            Ok([]) => break,
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                tracing::debug!(stream, error = %e, "launch: reading output failed");
                break;
            }
        };
        let piece = if line.len() >= MAX_LINE {
            // A full line: it ends here if a newline follows, else its first piece goes out.
            if buf[0] == b'\n' {
                r.consume(1);
                Some(complete(std::mem::take(&mut line)))
            } else {
                Some(cut_piece(&mut line))
            }
        } else {
            let window = &buf[..buf.len().min(MAX_LINE - line.len())];
            match window.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    line.extend_from_slice(&window[..i]);
                    r.consume(i + 1);
                    Some(complete(std::mem::take(&mut line)))
                }
                None => {
                    let n = window.len();
                    line.extend_from_slice(window);
                    r.consume(n);
                    None
                }
            }
        };
        if let Some(piece) = piece {
            if tx.send(Line(stream, text(piece))).await.is_err() {
                return;
            }
        }
    }
    if !line.is_empty() {
        let _ = tx.send(Line(stream, text(complete(line)))).await;
    }
}

/// A complete line: a `\r` before its end is dropped, as by Go's `bufio.ScanLines`.
fn complete(mut line: Vec<u8>) -> Vec<u8> {
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    line
}

/// Takes the first piece of an overlong line, leaving in `line` the bytes of a UTF-8 character
/// that the cut would split (at most 3).
fn cut_piece(line: &mut Vec<u8>) -> Vec<u8> {
    let len = line.len();
    let mut start = len;
    // Back over continuation bytes to the last character's first byte, at most 3 bytes back.
    while start > 0 && len - start < 3 && line[start - 1] & 0xC0 == 0x80 {
        start -= 1;
    }
    let cut = match start.checked_sub(1).map(|i| (i, line[i])) {
        Some((i, lead)) if lead >= 0xC0 => {
            let width = match lead {
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                _ => 4,
            };
            if len - i < width {
                i
            } else {
                len
            }
        }
        _ => len,
    };
    let cut = if cut == 0 { len } else { cut };
    let rest = line.split_off(cut);
    std::mem::replace(line, rest)
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The batch being filled for one stream.
#[derive(Default)]
struct Batch {
    lines: Vec<String>,
    bytes: usize,
    due: Option<Instant>,
}

/// Batches lines per stream and writes them to the host with one gob encoder.
struct Batches {
    /// `None` once the host is gone (hung up, or a write failed): lines are then discarded.
    enc: Option<AsyncEncoder<HostWriter>>,
    batches: [Batch; 2],
}

impl Batches {
    fn new(host_out: HostWriter) -> Self {
        Batches {
            enc: Some(AsyncEncoder::new(host_out)),
            batches: Default::default(),
        }
    }

    fn host_there(&self) -> bool {
        self.enc.is_some()
    }

    fn host_gone(&mut self) {
        self.enc = None;
    }

    async fn add(&mut self, stream: usize, line: String) {
        if self.enc.is_none() {
            return;
        }
        let b = &self.batches[stream];
        if !b.lines.is_empty() && b.bytes + line.len() > batch::MAX_BYTES {
            self.flush(stream).await;
        }
        let b = &mut self.batches[stream];
        if b.lines.is_empty() {
            b.due = Some(Instant::now() + batch::MAX_DELAY);
        }
        b.bytes += line.len();
        b.lines.push(line);
        if b.lines.len() >= batch::MAX_LINES || b.bytes >= batch::MAX_BYTES {
            self.flush(stream).await;
        }
    }

    /// When the oldest waiting batch is due.
    fn next_due(&self) -> Option<Instant> {
        self.batches.iter().filter_map(|b| b.due).min()
    }

    async fn flush_due(&mut self) {
        let now = Instant::now();
        for stream in self.in_due_order() {
            if self.batches[stream].due.is_some_and(|d| d <= now) {
                self.flush(stream).await;
            }
        }
    }

    /// Streams by the age of their batch, oldest first.
    fn in_due_order(&self) -> [usize; 2] {
        match (self.batches[0].due, self.batches[1].due) {
            (Some(a), Some(b)) if b < a => [1, 0],
            (None, Some(_)) => [1, 0],
            _ => [0, 1],
        }
    }

    async fn flush(&mut self, stream: usize) {
        let b = std::mem::take(&mut self.batches[stream]);
        if b.lines.is_empty() {
            return;
        }
        self.send(LaunchOutput {
            Stream: stream as i64 + 1,
            Lines: b.lines,
            Exited: false,
            ExitCode: 0,
        })
        .await;
    }

    async fn send(&mut self, msg: LaunchOutput) {
        let Some(enc) = &mut self.enc else {
            return;
        };
        if let Err(e) = enc.encode(&msg).await {
            tracing::debug!(error = %e, "launch: host connection broken");
            self.enc = None;
        }
    }

    /// Sends what is left, the final message, and closes the write half.
    async fn finish(mut self, exit_code: i64) {
        for stream in self.in_due_order() {
            self.flush(stream).await;
        }
        self.send(LaunchOutput {
            Stream: 0,
            Lines: Vec::new(),
            Exited: true,
            ExitCode: exit_code,
        })
        .await;
        if let Some(enc) = self.enc.take() {
            let _ = enc.into_inner().shutdown().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_keeps_characters_whole() {
        // "é" is 2 bytes: a cut after its first byte moves it to the next piece.
        let mut line = b"ab\xc3".to_vec();
        assert_eq!(cut_piece(&mut line), b"ab");
        assert_eq!(line, b"\xc3");
        let mut line = b"ab\xc3\xa9".to_vec();
        assert_eq!(cut_piece(&mut line), b"ab\xc3\xa9");
        assert!(line.is_empty());
        // "€" is 3 bytes.
        let mut line = b"a\xe2\x82".to_vec();
        assert_eq!(cut_piece(&mut line), b"a");
        assert_eq!(line, b"\xe2\x82");
        // Invalid bytes are cut anywhere.
        let mut line = b"a\x80\x80\x80\x80".to_vec();
        assert_eq!(cut_piece(&mut line), b"a\x80\x80\x80\x80");
        // Never an empty piece.
        let mut line = b"\xf0\x9f".to_vec();
        assert_eq!(cut_piece(&mut line), b"\xf0\x9f");
    }

    #[test]
    fn complete_drops_carriage_return() {
        assert_eq!(complete(b"a\r".to_vec()), b"a");
        assert_eq!(complete(b"a".to_vec()), b"a");
        assert_eq!(complete(Vec::new()), b"");
    }
}
