//! Guest proxy connections end to end: a guest on the hybrid transport, a host that connects to it,
//! and loopback or Unix-socket targets. Every wait is bounded.
#![allow(non_snake_case, clippy::unwrap_used)]

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use boxpark_guest::events::EventQueue;
use boxpark_guest::transport::HybridTransport;
use boxpark_guest::{Config, Shutdown};
use boxpark_proto::proxy::{batch, datagram, LaunchOutput, ProxyRequest};
use gob_codec::async_io::{AsyncDecoder, AsyncEncoder};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket, UnixListener, UnixStream};
use tokio::task::JoinHandle;

type R = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Bound of every single wait in these tests.
const STEP: Duration = Duration::from_secs(10);

/// Awaits `f` for at most `limit`, failing the test when it takes longer.
async fn within<T>(limit: Duration, f: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(limit, f).await {
        Ok(t) => t,
        Err(_) => panic!("timed out after {limit:?}"),
    }
}

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> io::Result<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("bpx-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path)?;
        Ok(TempDir(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A guest serving on `<dir>/guest.sock`, with its RPC connection held open so that every later
/// connection is a proxy connection.
struct Guest {
    dir: TempDir,
    sock: PathBuf,
    _rpc: UnixStream,
    shutdown: Shutdown,
    task: JoinHandle<boxpark_guest::PowerAction>,
}

impl Guest {
    async fn start() -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let dir = TempDir::new()?;
        let sock = dir.path().join("guest.sock");
        let transport = HybridTransport::bind(&sock)?;
        let shutdown = Shutdown::new();
        let task = tokio::spawn(boxpark_guest::run(
            transport,
            Config {
                version: "test".into(),
                pid1: false,
            },
            shutdown.clone(),
            EventQueue::new(64),
        ));
        // The first connection is the RPC connection; it stays open (and silent) for the test.
        let rpc = connect(&sock).await?;
        Ok(Guest {
            dir,
            sock,
            _rpc: rpc,
            shutdown,
            task,
        })
    }

    /// A new proxy connection that has sent `req`.
    async fn proxy(&self, req: &ProxyRequest) -> io::Result<UnixStream> {
        let conn = connect(&self.sock).await?;
        let mut enc = AsyncEncoder::new(conn);
        enc.encode(req).await.map_err(io::Error::other)?;
        Ok(enc.into_inner())
    }
}

impl Drop for Guest {
    fn drop(&mut self) {
        self.shutdown.trigger(boxpark_guest::PowerAction::PowerOff);
        self.task.abort();
    }
}

/// Connects to guest port 1 through the hybrid handshake.
async fn connect(sock: &Path) -> io::Result<UnixStream> {
    within(STEP, async {
        let mut conn = UnixStream::connect(sock).await?;
        conn.write_all(b"CONNECT 1\n").await?;
        let mut line = Vec::new();
        loop {
            let b = conn.read_u8().await?;
            if b == b'\n' {
                break;
            }
            line.push(b);
        }
        assert!(line.starts_with(b"OK "), "handshake answer {line:?}");
        Ok(conn)
    })
    .await
}

fn req(network: &str, address: &str) -> ProxyRequest {
    ProxyRequest {
        Network: network.into(),
        Address: address.into(),
        LocalAddress: "host:1".into(),
        ..Default::default()
    }
}

fn launch(program: &str, args: &[&str]) -> ProxyRequest {
    ProxyRequest {
        Args: args.iter().map(|a| a.to_string()).collect(),
        ..req("launch", program)
    }
}

/// Reads to the end: the bytes, or an error. A reset counts as an end (a Unix socket closed with
/// unread data resets its peer).
async fn read_all(conn: &mut UnixStream) -> io::Result<Vec<u8>> {
    let mut got = Vec::new();
    match within(STEP, conn.read_to_end(&mut got)).await {
        Ok(_) => Ok(got),
        Err(e) if e.kind() == io::ErrorKind::ConnectionReset => Ok(got),
        Err(e) => Err(e),
    }
}

/// The guest closed the connection without writing anything.
async fn assert_closed(mut conn: UnixStream, what: &str) -> R {
    let got = read_all(&mut conn).await?;
    assert!(got.is_empty(), "{what}: got {} bytes", got.len());
    Ok(())
}

fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Writes `data` and shuts down the write half, while reading everything that comes back.
async fn exchange(conn: UnixStream, data: Vec<u8>) -> io::Result<Vec<u8>> {
    let (mut rd, mut wr) = conn.into_split();
    let writer = tokio::spawn(async move {
        wr.write_all(&data).await?;
        wr.shutdown().await?;
        Ok::<_, io::Error>(wr)
    });
    let mut got = Vec::new();
    within(STEP, rd.read_to_end(&mut got)).await?;
    let _wr = within(STEP, writer).await.map_err(io::Error::other)??;
    Ok(got)
}

/// Echoes one stream connection until its end of stream, then writes `bye` and closes: the final
/// reply after a half-close.
async fn echo_stream<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(mut s: S) -> R {
    let mut buf = vec![0u8; 16 << 10];
    loop {
        let n = s.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        s.write_all(&buf[..n]).await?;
    }
    s.write_all(b"bye").await?;
    s.shutdown().await?;
    Ok(())
}

fn with_bye(mut data: Vec<u8>) -> Vec<u8> {
    data.extend_from_slice(b"bye");
    data
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_splices_both_ways_and_passes_half_close_on() -> R {
    let guest = Guest::start().await?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?.to_string();
    let server = tokio::spawn(async move {
        let (s, _) = listener.accept().await?;
        echo_stream(s).await
    });
    let conn = guest.proxy(&req("tcp", &addr)).await?;
    let data = pattern(1 << 20, 1);
    let got = exchange(conn, data.clone()).await?;
    assert_eq!(got.len(), data.len() + 3);
    assert!(got == with_bye(data), "echo differs");
    within(STEP, server).await??;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unix_splices_both_ways_and_passes_half_close_on() -> R {
    let guest = Guest::start().await?;
    let path = guest.dir.path().join("echo.sock");
    let listener = UnixListener::bind(&path)?;
    let server = tokio::spawn(async move {
        let (s, _) = listener.accept().await?;
        echo_stream(s).await
    });
    let conn = guest.proxy(&req("unix", &path.to_string_lossy())).await?;
    let data = pattern(300 << 10, 2);
    let got = exchange(conn, data.clone()).await?;
    assert!(got == with_bye(data), "echo differs");
    within(STEP, server).await??;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_in_the_same_write_as_the_request_are_not_lost() -> R {
    let guest = Guest::start().await?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?.to_string();
    let server = tokio::spawn(async move {
        let (s, _) = listener.accept().await?;
        echo_stream(s).await
    });
    let mut conn = connect(&guest.sock).await?;
    let mut first = gob_codec::to_vec(&req("tcp", &addr))?;
    first.extend_from_slice(b"right after the request");
    conn.write_all(&first).await?;
    conn.shutdown().await?;
    let got = read_all(&mut conn).await?;
    assert_eq!(got, b"right after the requestbye");
    within(STEP, server).await??;
    Ok(())
}

/// Writes each datagram as a gob `[]byte`, then reads one reply per datagram.
async fn datagram_round_trip(conn: UnixStream, sizes: &[usize]) -> R {
    let (rd, mut wr) = conn.into_split();
    let mut dec = AsyncDecoder::new(rd);
    for (i, &n) in sizes.iter().enumerate() {
        let data = pattern(n, i as u64 + 10);
        let mut frame = Vec::new();
        datagram::encode(&mut frame, &data);
        wr.write_all(&frame).await?;
        let reply: Vec<u8> = within(STEP, dec.decode()).await?;
        let mut want = b"echo:".to_vec();
        want.extend_from_slice(&data);
        assert!(
            reply == want,
            "datagram {i} ({n} bytes) came back different"
        );
    }
    // The host closes its side: the guest closes the connection.
    wr.shutdown().await?;
    let end = within(STEP, dec.decode::<Vec<u8>>()).await;
    assert!(end.as_ref().is_err_and(|e| e.is_eof()), "{end:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn udp_datagrams_both_ways() -> R {
    let guest = Guest::start().await?;
    let server = Arc::new(UdpSocket::bind("127.0.0.1:0").await?);
    let addr = server.local_addr()?.to_string();
    let echo = tokio::spawn({
        let server = server.clone();
        async move {
            let mut buf = vec![0u8; 65536];
            loop {
                let (n, peer) = server.recv_from(&mut buf).await?;
                let mut reply = b"echo:".to_vec();
                reply.extend_from_slice(&buf[..n]);
                server.send_to(&reply, peer).await?;
            }
            #[allow(unreachable_code)]
            Ok::<_, io::Error>(())
        }
    });
    let conn = guest.proxy(&req("udp", &addr)).await?;
    datagram_round_trip(conn, &[5, 0, 1400, 60_000]).await?;
    echo.abort();
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unixgram_datagrams_both_ways() -> R {
    let guest = Guest::start().await?;
    let path = guest.dir.path().join("echo.dgram");
    let server = std::os::unix::net::UnixDatagram::bind(&path)?;
    server.set_read_timeout(Some(STEP))?;
    // A blocking echo server: std can answer an abstract address, tokio only a path.
    let echo = std::thread::spawn(move || -> io::Result<bool> {
        let mut buf = vec![0u8; 70_000];
        let mut all_abstract = true;
        loop {
            let (n, peer) = match server.recv_from(&mut buf) {
                Ok(got) => got,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(all_abstract),
                Err(e) => return Err(e),
            };
            if &buf[..n] == b"quit" {
                return Ok(all_abstract);
            }
            {
                use std::os::linux::net::SocketAddrExt;
                all_abstract &= peer.as_abstract_name().is_some();
            }
            let mut reply = b"echo:".to_vec();
            reply.extend_from_slice(&buf[..n]);
            server.send_to_addr(&reply, &peer)?;
        }
    });
    let conn = guest
        .proxy(&req("unixgram", &path.to_string_lossy()))
        .await?;
    datagram_round_trip(conn, &[5, 0, 60_000]).await?;
    let quit = std::os::unix::net::UnixDatagram::unbound()?;
    quit.send_to(b"quit", &path)?;
    let all_abstract = within(STEP, tokio::task::spawn_blocking(move || echo.join()))
        .await?
        .map_err(|_| "echo thread panicked")??;
    assert!(
        all_abstract,
        "the guest's socket should have an abstract name"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_is_sent_whole() -> R {
    let guest = Guest::start().await?;
    for (name, len) in [("empty", 0usize), ("small", 100), ("large", 8 << 20)] {
        let path = guest.dir.path().join(name);
        let data = pattern(len, len as u64);
        std::fs::write(&path, &data)?;
        let mut conn = guest.proxy(&req("file", &path.to_string_lossy())).await?;
        let got = read_all(&mut conn).await?;
        assert_eq!(got.len(), data.len(), "{name}");
        assert!(got == data, "{name}: content differs");
    }
    Ok(())
}

/// Reads `LaunchOutput`s up to the one with `Exited`, and checks the stream ends after it.
async fn launch_outputs(
    conn: UnixStream,
) -> Result<Vec<LaunchOutput>, Box<dyn std::error::Error + Send + Sync>> {
    let mut dec = AsyncDecoder::new(conn);
    let mut all = Vec::new();
    loop {
        let msg: LaunchOutput = within(STEP, dec.decode()).await?;
        let exited = msg.Exited;
        all.push(msg);
        if exited {
            break;
        }
    }
    let end = within(STEP, dec.decode::<LaunchOutput>()).await;
    assert!(end.as_ref().is_err_and(|e| e.is_eof()), "{end:?}");
    Ok(all)
}

/// The lines of `stream`, in order, after checking each batch's limits.
fn lines_of(outputs: &[LaunchOutput], stream: i64) -> Vec<String> {
    let mut lines = Vec::new();
    for o in outputs.iter().filter(|o| o.Stream == stream) {
        assert!(!o.Exited);
        assert!(!o.Lines.is_empty(), "empty batch");
        assert!(
            o.Lines.len() <= batch::MAX_LINES,
            "batch of {}",
            o.Lines.len()
        );
        let bytes: usize = o.Lines.iter().map(String::len).sum();
        assert!(
            o.Lines.len() == 1 || bytes <= batch::MAX_BYTES,
            "batch of {bytes} bytes"
        );
        lines.extend(o.Lines.iter().cloned());
    }
    lines
}

fn final_message(outputs: &[LaunchOutput]) -> &LaunchOutput {
    let last = outputs.last().unwrap();
    assert!(
        last.Exited && last.Stream == 0 && last.Lines.is_empty(),
        "{last:?}"
    );
    assert_eq!(outputs.iter().filter(|o| o.Exited).count(), 1);
    last
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_sends_lines_in_batches_and_the_exit_code() -> R {
    let guest = Guest::start().await?;
    let script = "for i in $(seq 1 200); do echo line$i; done; echo err >&2; exit 7";
    let conn = guest.proxy(&launch("sh", &["-c", script])).await?;
    let outputs = launch_outputs(conn).await?;
    let want: Vec<String> = (1..=200).map(|i| format!("line{i}")).collect();
    assert_eq!(lines_of(&outputs, 1), want);
    assert_eq!(lines_of(&outputs, 2), vec!["err".to_string()]);
    assert!(outputs.iter().all(|o| matches!(o.Stream, 0..=2)));
    assert_eq!(final_message(&outputs).ExitCode, 7);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_lines_partial_crlf_invalid_utf8_env_and_dir() -> R {
    let guest = Guest::start().await?;
    let dir = guest.dir.path().to_string_lossy().into_owned();
    let req = ProxyRequest {
        Env: vec!["FOO=bar baz".into(), "PATH=/usr/bin:/bin".into()],
        Dir: dir.clone(),
        ..launch(
            "sh",
            &["-c", r#"echo "$FOO"; pwd; printf 'crlf\r\n\377x\n\nlast'"#],
        )
    };
    let outputs = launch_outputs(guest.proxy(&req).await?).await?;
    assert_eq!(
        lines_of(&outputs, 1),
        vec!["bar baz", &dir, "crlf", "\u{FFFD}x", "", "last"]
    );
    assert!(lines_of(&outputs, 2).is_empty());
    assert_eq!(final_message(&outputs).ExitCode, 0);

    // Dir empty means "/"; an empty Env keeps the guest's environment (PATH finds the program).
    let outputs = launch_outputs(guest.proxy(&launch("pwd", &[])).await?).await?;
    assert_eq!(lines_of(&outputs, 1), vec!["/"]);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_splits_long_lines() -> R {
    let guest = Guest::start().await?;
    let script = "head -c 150000 /dev/zero | tr '\\0' a; echo; echo short";
    let outputs = launch_outputs(guest.proxy(&launch("sh", &["-c", script])).await?).await?;
    let lines = lines_of(&outputs, 1);
    let lens: Vec<usize> = lines.iter().map(String::len).collect();
    assert_eq!(lens, vec![65536, 65536, 150000 - 2 * 65536, 5]);
    assert!(lines[..3].iter().all(|l| l.bytes().all(|b| b == b'a')));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_batches_hold_at_most_64_KiB() -> R {
    let guest = Guest::start().await?;
    // 40 lines of 2000 bytes: 32 fit in 64 KiB, the 33rd would not.
    let script = "l=$(head -c 2000 /dev/zero | tr '\\0' b); for i in $(seq 1 40); do echo $l; done";
    let outputs = launch_outputs(guest.proxy(&launch("sh", &["-c", script])).await?).await?;
    assert_eq!(lines_of(&outputs, 1).len(), 40);
    let most = outputs.iter().map(|o| o.Lines.len()).max().unwrap_or(0);
    // 32 unless a stall let the 100 ms timer cut the batch earlier; never more.
    assert!(
        most <= 32,
        "{:?}",
        outputs.iter().map(|o| o.Lines.len()).collect::<Vec<_>>()
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_sends_a_batch_100_ms_after_its_first_line() -> R {
    let guest = Guest::start().await?;
    let conn = guest
        .proxy(&launch("sh", &["-c", "echo a; sleep 1; echo b"]))
        .await?;
    let started = Instant::now();
    let mut dec = AsyncDecoder::new(conn);
    let first: LaunchOutput = within(STEP, dec.decode()).await?;
    let took = started.elapsed();
    assert_eq!((first.Stream, first.Lines), (1, vec!["a".to_string()]));
    assert!(
        took < Duration::from_millis(800),
        "first batch after {took:?}"
    );
    let second: LaunchOutput = within(STEP, dec.decode()).await?;
    assert_eq!((second.Stream, second.Lines), (1, vec!["b".to_string()]));
    let last: LaunchOutput = within(STEP, dec.decode()).await?;
    assert!(last.Exited && last.ExitCode == 0, "{last:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_exit_code_is_minus_one_on_a_signal() -> R {
    let guest = Guest::start().await?;
    let outputs = launch_outputs(guest.proxy(&launch("sh", &["-c", "kill -9 $$"])).await?).await?;
    assert_eq!(final_message(&outputs).ExitCode, -1);
    Ok(())
}

/// Whether `pid` still runs: a zombie counts as gone (an orphaned grandchild is reaped by whoever
/// adopts it, not by the guest).
fn running(pid: i32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let state = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.trim_start().chars().next());
    !matches!(state, Some('Z' | 'X') | None)
}

/// Starts `script`, which prints a pid per line before anything else (`pids` lines), hangs up once
/// they arrived, and returns how long the processes took to be gone after the hang-up. The
/// launched process itself must be gone for kill(pid, 0) too: the guest reaps it.
async fn hang_up_on(
    guest: &Guest,
    script: &str,
    pids: usize,
    limit: Duration,
) -> Result<Duration, Box<dyn std::error::Error + Send + Sync>> {
    let conn = guest.proxy(&launch("sh", &["-c", script])).await?;
    let mut dec = AsyncDecoder::new(conn);
    let mut lines = Vec::new();
    while lines.len() < pids {
        let out: LaunchOutput = within(STEP, dec.decode()).await?;
        assert_eq!(out.Stream, 1, "{out:?}");
        lines.extend(out.Lines);
    }
    let pids: Vec<i32> = lines[..pids]
        .iter()
        .map(|l| l.parse())
        .collect::<Result<_, _>>()?;
    assert!(pids.iter().all(|&p| running(p)), "processes should run");
    drop(dec); // the host hangs up
    let hung_up = Instant::now();
    within(limit, async {
        while pids.iter().any(|&p| running(p)) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    let took = hung_up.elapsed();
    // The launched shell is the guest's child: reaped, so not even a zombie answers.
    let shell = nix::unistd::Pid::from_raw(pids[pids.len() - 1]);
    within(STEP, async {
        while nix::sys::signal::kill(shell, None).is_ok() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    Ok(took)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_host_hang_up_terminates_the_process_group() -> R {
    let guest = Guest::start().await?;
    // A background child in the same group, then the shell's own pid.
    let script = "sleep 300 & echo $!; echo $$; wait";
    let took = hang_up_on(&guest, script, 2, Duration::from_secs(3)).await?;
    assert!(took < Duration::from_secs(3));
    // The guest goes on serving.
    let outputs = launch_outputs(guest.proxy(&launch("true", &[])).await?).await?;
    assert_eq!(final_message(&outputs).ExitCode, 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_sigkill_follows_an_ignored_sigterm() -> R {
    let guest = Guest::start().await?;
    let script = "trap '' TERM; sleep 300 & echo $!; echo $$; wait";
    let took = hang_up_on(&guest, script, 2, Duration::from_secs(10)).await?;
    assert!(
        took >= Duration::from_secs(4),
        "gone after {took:?}: SIGTERM should be ignored"
    );
    Ok(())
}

/// A `MakeWriter` that keeps what the guest logs, to check that failures name the request.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Captured {
    fn text(&self) -> String {
        self.0
            .lock()
            .map(|v| String::from_utf8_lossy(&v).into_owned())
            .unwrap_or_default()
    }
}

// One thread, so that the guest's tasks log to this thread's subscriber.
#[tokio::test(flavor = "current_thread")]
async fn bad_requests_close_the_connection_and_the_guest_goes_on() -> R {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::WARN)
        .finish();
    let _log_guard = tracing::subscriber::set_default(subscriber);

    let guest = Guest::start().await?;
    let dir = guest.dir.path();
    let closed_port = TcpListener::bind("127.0.0.1:0")
        .await?
        .local_addr()?
        .to_string();
    let missing = dir.join("missing").to_string_lossy().into_owned();
    let good = dir.join("good");
    std::fs::write(&good, b"still serving")?;

    // Not gob: a length of 255 with too few bytes before the end of stream.
    let mut conn = connect(&guest.sock).await?;
    conn.write_all(b"\xff\xffnot gob").await?;
    conn.shutdown().await?;
    assert_closed(conn, "garbage").await?;
    // A message length far over the limit: refused at once, without an end of stream.
    let mut conn = connect(&guest.sock).await?;
    conn.write_all(b"\xf8\x7f\xff\xff\xff\xff\xff\xff\xff")
        .await?;
    assert_closed(conn, "huge message").await?;

    let bad = [
        req("gopher", "somewhere"),
        req("tcp", &closed_port),
        req("tcp", "not an address"),
        req("unix", &missing),
        req("unixgram", &missing),
        req("file", &missing),
        req("file", &dir.to_string_lossy()),
        launch("no-such-program-boxpark", &[]),
        launch(&missing, &[]),
        ProxyRequest {
            Dir: missing.clone(),
            ..launch("true", &[])
        },
    ];
    for r in &bad {
        let conn = guest.proxy(r).await?;
        assert_closed(conn, &format!("{} {}", r.Network, r.Address)).await?;
        let mut conn = guest.proxy(&req("file", &good.to_string_lossy())).await?;
        assert_eq!(read_all(&mut conn).await?, b"still serving");
    }

    let text = logs.text();
    assert!(text.contains("bad ProxyRequest"), "{text}");
    for r in &bad {
        let needle = format!("network={} address={}", r.Network, r.Address);
        assert!(
            text.contains(&needle),
            "no warning with {needle:?} in:\n{text}"
        );
    }
    Ok(())
}
