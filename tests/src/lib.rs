//! The harness of Boxpark's end-to-end tests: the real `boxpark-guest` binary, started with
//! `--transport hybrid:<tempdir>/g.sock`, against a fake host that this crate plays.
//!
//! - [`GuestProcess`] builds the binary once per test process ([`guest_binary`]), starts it with
//!   its fake host already listening on `<UDS>_1` ([`EventHost`]) and `<UDS>_2` ([`ProxyHost`]),
//!   and waits for its `Info`. Dropping it stops the guest by PID (SIGTERM, then SIGKILL) and
//!   waits for it; a test that panics also gets the tail of the guest's stderr printed.
//! - [`servers`] holds the targets the tests run themselves: echo servers for every proxy network
//!   and a minimal HTTP/1.1 server on a Unix socket (the stand-in for `/var/run/docker.sock`).
//!
//! Every wait is bounded ([`within`]); nothing here opens an `AF_VSOCK` socket.

pub mod host;
pub mod servers;

use std::fs::File;
use std::future::Future;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use boxpark_proto::host::{connect_hybrid, send_proxy_request, GuestClient};
use boxpark_proto::ports::{GUEST_API_PORT, HOST_EVENT_PORT, HOST_PROXY_PORT};
use boxpark_proto::proxy::ProxyRequest;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tokio::net::UnixStream;

pub use host::{Event, EventHost, HostConn, ProxyHost};

/// The longest any single step of a test may take.
pub const STEP: Duration = Duration::from_secs(10);

/// How long building the guest may take (waiting for the shared target directory's lock
/// included).
const BUILD_LIMIT: Duration = Duration::from_secs(900);

/// Awaits `f` for at most [`STEP`]; panics naming `what` when it takes longer.
pub async fn within<T>(what: &str, f: impl Future<Output = T>) -> T {
    within_for(STEP, what, f).await
}

/// Awaits `f` for at most `limit`; panics naming `what` when it takes longer.
pub async fn within_for<T>(limit: Duration, what: &str, f: impl Future<Output = T>) -> T {
    match tokio::time::timeout(limit, f).await {
        Ok(v) => v,
        Err(_) => panic!("timed out after {limit:?}: {what}"),
    }
}

/// The `boxpark-guest` binary, built by `cargo build -p boxpark-guest` the first time it is asked
/// for in this process. Cargo's JSON messages name the executable, so `CARGO_TARGET_DIR` and any
/// other configured target directory are honoured.
pub fn guest_binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| build_guest().unwrap_or_else(|e| panic!("building boxpark-guest: {e}")))
}

fn build_guest() -> Result<PathBuf, String> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // Cargo's messages go to a file, so that no pipe fills up while the build is watched.
    let mut messages = tempfile::tempfile().map_err(|e| e.to_string())?;
    let stdout = messages.try_clone().map_err(|e| e.to_string())?;
    let mut child = Command::new(cargo)
        .args(["build", "--quiet", "--message-format=json"])
        .args(["--package", "boxpark-guest", "--bin", "boxpark-guest"])
        .arg("--manifest-path")
        .arg(&manifest)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("starting cargo: {e}"))?;
    let status = wait_child(&mut child, BUILD_LIMIT)
        .ok_or_else(|| format!("cargo build took longer than {BUILD_LIMIT:?}"))?;
    if !status.success() {
        return Err(format!("cargo build failed: {status}"));
    }
    let mut text = String::new();
    messages.rewind().map_err(|e| e.to_string())?;
    messages
        .read_to_string(&mut text)
        .map_err(|e| e.to_string())?;
    text.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "boxpark-guest")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| "cargo named no boxpark-guest executable".to_string())
}

/// Waits for `child` at most `limit`; on expiry kills it (by PID), reaps it and returns `None`.
fn wait_child(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

/// `<UDS>_<port>`: where a hybrid guest dials host port `port`.
pub fn host_path(uds: &Path, port: u32) -> PathBuf {
    let mut p = uds.as_os_str().to_owned();
    p.push(format!("_{port}"));
    PathBuf::from(p)
}

/// A proxy request for `network` and `address`.
pub fn proxy_req(network: &str, address: &str) -> ProxyRequest {
    ProxyRequest {
        Network: network.into(),
        Address: address.into(),
        LocalAddress: "e2e-host".into(),
        ..ProxyRequest::default()
    }
}

/// Deterministic pseudo-random bytes.
pub fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Whether a process (or, for a negative `pid`, a process group) exists: `kill(pid, 0)`.
pub fn process_exists(pid: i32) -> bool {
    kill(Pid::from_raw(pid), None).is_ok()
}

/// A running `boxpark-guest` and its fake host.
pub struct GuestProcess {
    child: Child,
    status: Option<ExitStatus>,
    uds: PathBuf,
    stderr_path: PathBuf,
    /// Host port 1: what the guest reported.
    pub events: EventHost,
    /// Host port 2: the connections the guest forwarded.
    pub host: ProxyHost,
    // Last, so that it is removed after the guest has stopped.
    dir: tempfile::TempDir,
}

impl GuestProcess {
    /// Starts the guest on `<tempdir>/g.sock` with `--log-level debug` and waits for its `Info`.
    pub async fn start() -> GuestProcess {
        let bin = guest_binary();
        let dir = tempfile::Builder::new()
            .prefix("bp-e2e-")
            .tempdir()
            .expect("temporary directory");
        let uds = dir.path().join("g.sock");
        let events = EventHost::bind(&host_path(&uds, HOST_EVENT_PORT));
        let host = ProxyHost::bind(&host_path(&uds, HOST_PROXY_PORT));
        let stderr_path = dir.path().join("guest.stderr");
        let stderr = File::create(&stderr_path).expect("stderr file");
        let child = Command::new(bin)
            .arg("--transport")
            .arg(format!("hybrid:{}", uds.display()))
            .args(["--log-level", "debug"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", bin.display()));
        let guest = GuestProcess {
            child,
            status: None,
            uds,
            stderr_path,
            events,
            host,
            dir,
        };
        guest.events.info().await;
        guest
    }

    /// The guest's PID.
    pub fn pid(&self) -> i32 {
        i32::try_from(self.child.id()).expect("pid fits i32")
    }

    /// The temporary directory of this guest (its socket, its stderr, the tests' files).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `name` inside [`Self::dir`].
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `name` inside [`Self::dir`], as the `String` the wire types take.
    pub fn path_str(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }

    /// The guest's hybrid socket.
    pub fn uds(&self) -> &Path {
        &self.uds
    }

    /// A new connection to guest port 1 (after the handshake).
    pub async fn connect(&self) -> UnixStream {
        within(
            "hybrid handshake",
            connect_hybrid(&self.uds, GUEST_API_PORT),
        )
        .await
        .expect("connect to guest port 1")
    }

    /// A new connection used as the RPC connection: only while none is open.
    pub async fn connect_rpc(&self) -> GuestClient {
        GuestClient::new(self.connect().await)
    }

    /// A new proxy connection that has sent `req`.
    pub async fn proxy(&self, req: &ProxyRequest) -> UnixStream {
        let conn = self.connect().await;
        within("sending a ProxyRequest", send_proxy_request(conn, req))
            .await
            .expect("send ProxyRequest")
    }

    /// Whether the guest is still running.
    pub fn alive(&mut self) -> bool {
        if self.status.is_none() {
            if let Ok(status) = self.child.try_wait() {
                self.status = status;
            }
        }
        self.status.is_none()
    }

    /// Waits at most `limit` for the guest to exit and returns its status.
    pub async fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        while self.alive() {
            assert!(
                Instant::now() < deadline,
                "the guest still runs after {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.status.expect("exited")
    }

    /// What the guest wrote on stderr so far (its log, as text).
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }
}

impl Drop for GuestProcess {
    fn drop(&mut self) {
        if self.alive() {
            // A clean stop first: the guest stops its launched processes too.
            let _ = kill(Pid::from_raw(self.pid()), Signal::SIGTERM);
            if wait_child(&mut self.child, Duration::from_secs(3)).is_none() {
                eprintln!("boxpark-guest {} ignored SIGTERM: killed", self.pid());
            }
        }
        if std::thread::panicking() {
            let text = self.stderr();
            let lines: Vec<&str> = text.lines().collect();
            let tail = &lines[lines.len().saturating_sub(80)..];
            eprintln!("--- boxpark-guest stderr (last {} lines) ---", tail.len());
            for line in tail {
                eprintln!("{line}");
            }
        }
    }
}
