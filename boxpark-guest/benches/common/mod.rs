//! What the guest benchmarks (`benches/proxy.rs`, `benches/run.rs`) and the `rss` example share:
//! building the release guest binary, running it on a hybrid socket in a temporary directory, and
//! the sink and echo servers the proxy connections go to.
//!
//! Only hybrid (Unix-socket) transport, loopback TCP and Unix sockets are used. Every wait is
//! bounded by [`STEP`], and the guest process is stopped (SIGTERM, then SIGKILL) when its
//! [`GuestProcess`] is dropped.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use boxpark_proto::host::{connect_hybrid, send_proxy_request, GuestClient};
use boxpark_proto::ports::GUEST_API_PORT;
use boxpark_proto::proxy::ProxyRequest;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, UnixListener, UnixStream};
use tokio::task::JoinHandle;

/// Longest any single step (a connection, a push, a call) may take.
pub const STEP: Duration = Duration::from_secs(60);

/// How long the guest gets to exit after SIGTERM before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// Awaits `f` for at most [`STEP`], panicking with `what` when it takes longer.
pub async fn within<T>(what: &str, f: impl Future<Output = T>) -> T {
    match tokio::time::timeout(STEP, f).await {
        Ok(t) => t,
        Err(_) => panic!("{what}: timed out after {STEP:?}"),
    }
}

/// Builds the guest as it ships (`cargo build --release -p boxpark-guest --bin boxpark-guest`) and
/// returns the executable's path as cargo reports it, so `CARGO_TARGET_DIR` (and any other cargo
/// configuration in the environment) is honoured. Panics when the build fails.
pub fn build_release_guest() -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let out = Command::new(cargo)
        .args([
            "build",
            "-q",
            "--release",
            "-p",
            "boxpark-guest",
            "--bin",
            "boxpark-guest",
        ])
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--message-format=json-render-diagnostics")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => panic!("cannot run cargo build: {e}"),
    };
    if !out.status.success() {
        panic!(
            "cargo build --release -p boxpark-guest failed: {}",
            out.status
        );
    }
    let exe = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "boxpark-guest")
        .filter(|m| {
            m["target"]["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "bin"))
        })
        .find_map(|m| m["executable"].as_str().map(PathBuf::from));
    match exe {
        Some(p) => p,
        None => panic!("cargo build did not report the boxpark-guest executable"),
    }
}

/// The release guest binary running on `<tempdir>/guest.sock` (hybrid transport), stopped when
/// dropped. Drop it outside the async runtime: stopping it waits (at most [`STOP_GRACE`]).
pub struct GuestProcess {
    child: Child,
    sock: PathBuf,
    dir: tempfile::TempDir,
}

impl GuestProcess {
    /// Starts `bin` with `--transport hybrid:<tempdir>/guest.sock --log-level warn`. Its host
    /// ports (`guest.sock_1`, `guest.sock_2`) have no listener: the event stream keeps retrying
    /// with backoff, which costs nothing measurable.
    pub fn spawn(bin: &Path) -> io::Result<GuestProcess> {
        let dir = tempfile::Builder::new().prefix("bp-bench-").tempdir()?;
        let sock = dir.path().join("guest.sock");
        let child = Command::new(bin)
            .arg("--transport")
            .arg(format!("hybrid:{}", sock.display()))
            .args(["--log-level", "warn"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()?;
        Ok(GuestProcess { child, sock, dir })
    }

    /// The guest's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The temporary directory the guest's socket is in (removed on drop): room for sink sockets.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The guest's hybrid socket.
    pub fn sock(&self) -> &Path {
        &self.sock
    }

    /// Opens the RPC connection (the first connection to guest port 1), retrying until the guest
    /// listens. Keep the client: while it is open, every other connection is a proxy connection.
    pub async fn rpc(&mut self) -> GuestClient {
        let deadline = Instant::now() + STEP;
        loop {
            match tokio::time::timeout(STEP, connect_hybrid(&self.sock, GUEST_API_PORT)).await {
                Ok(Ok(conn)) => return GuestClient::new(conn),
                Ok(Err(e)) if Instant::now() < deadline => {
                    if let Ok(Some(status)) = self.child.try_wait() {
                        panic!("the guest exited before it listened ({status}): {e}");
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Ok(Err(e)) => panic!("cannot reach the guest: {e}"),
                Err(_) => panic!("the hybrid handshake timed out after {STEP:?}"),
            }
        }
    }

    /// A new proxy connection to `network` `address` (the RPC connection must be open), with its
    /// `ProxyRequest` sent.
    pub async fn proxy(&self, network: &str, address: &str) -> UnixStream {
        let req = ProxyRequest {
            Network: network.into(),
            Address: address.into(),
            ..Default::default()
        };
        let conn = match within("proxy connect", connect_hybrid(&self.sock, GUEST_API_PORT)).await {
            Ok(c) => c,
            Err(e) => panic!("proxy connection: {e}"),
        };
        match within("proxy request", send_proxy_request(conn, &req)).await {
            Ok(c) => c,
            Err(e) => panic!("proxy request: {e}"),
        }
    }
}

impl Drop for GuestProcess {
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        if let Ok(pid) = i32::try_from(self.child.id()) {
            let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
        }
        let deadline = Instant::now() + STOP_GRACE;
        while Instant::now() < deadline {
            match self.child.try_wait() {
                Ok(Some(_)) => return,
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(_) => break,
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The resident set size of process `pid` in KiB (`VmRSS` of `/proc/<pid>/status`).
pub fn vm_rss_kib(pid: u32) -> io::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| io::Error::other(format!("no VmRSS in /proc/{pid}/status")))
}

/// A sink connection: reads to end of stream counting the bytes, then answers the count (8 bytes,
/// little-endian) and closes, so a writer that waits for the count has seen every byte delivered.
async fn sink<S: AsyncRead + AsyncWrite + Unpin>(mut s: S) -> io::Result<()> {
    let mut buf = vec![0u8; 256 << 10];
    let mut n: u64 = 0;
    loop {
        match s.read(&mut buf).await? {
            0 => break,
            r => n += r as u64,
        }
    }
    s.write_all(&n.to_le_bytes()).await?;
    s.shutdown().await
}

/// An echo connection: writes back what it reads until end of stream.
async fn echo<S: AsyncRead + AsyncWrite + Unpin>(mut s: S) -> io::Result<()> {
    let mut buf = vec![0u8; 4 << 10];
    loop {
        match s.read(&mut buf).await? {
            0 => return s.shutdown().await,
            r => s.write_all(&buf[..r]).await?,
        }
    }
}

/// A loopback TCP sink server (see [`sink`]); aborted with its handle.
pub async fn tcp_sink() -> io::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            let _ = conn.set_nodelay(true);
            tokio::spawn(sink(conn));
        }
    });
    Ok((addr, task))
}

/// Which server [`unix_server`] runs on each connection.
#[derive(Clone, Copy, Debug)]
pub enum Serve {
    /// [`sink`]: count, answer the count.
    Sink,
    /// [`echo`]: write back.
    Echo,
}

/// A Unix-socket server at `path`; aborted with its handle.
pub fn unix_server(path: &Path, serve: Serve) -> io::Result<JoinHandle<()>> {
    let listener = UnixListener::bind(path)?;
    Ok(tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            match serve {
                Serve::Sink => tokio::spawn(sink(conn)),
                Serve::Echo => tokio::spawn(echo(conn)),
            };
        }
    }))
}

/// Writes `total` bytes (`chunk` over and over) to a sink connection, shuts down the write half
/// and waits for the sink's count, which must be `total`.
pub async fn push<S: AsyncRead + AsyncWrite + Unpin>(
    mut conn: S,
    chunk: &[u8],
    total: u64,
) -> io::Result<()> {
    let mut left = total;
    while left > 0 {
        let n = chunk.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        conn.write_all(&chunk[..n]).await?;
        left -= n as u64;
    }
    conn.shutdown().await?;
    let mut count = [0u8; 8];
    conn.read_exact(&mut count).await?;
    let count = u64::from_le_bytes(count);
    if count != total {
        return Err(io::Error::other(format!(
            "the sink counted {count} bytes, {total} were sent"
        )));
    }
    Ok(())
}

/// A multi-thread tokio runtime, as the guest and a host use.
pub fn runtime() -> tokio::runtime::Runtime {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => panic!("runtime: {e}"),
    }
}
