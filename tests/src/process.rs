//! The real `boxpark-guest` binary, started with `--transport hybrid:<tempdir>/g.sock`, against a
//! fake host that this harness plays.
//!
//! [`GuestProcess`] builds the binary once per test process ([`guest_binary`]), starts it with its
//! fake host already listening on `<UDS>_1` ([`EventHost`]) and `<UDS>_2` ([`ProxyHost`]), and
//! waits for its `Info`. Dropping it stops the guest by PID (SIGTERM, then SIGKILL) and waits for
//! it; a test that panics also gets the tail of the guest's stderr printed.

use std::fs::File;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use boxpark_proto::host::GuestClient;
use boxpark_proto::ports::{HOST_EVENT_PORT, HOST_PROXY_PORT};
use boxpark_proto::proxy::ProxyRequest;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tokio::net::UnixStream;

use crate::host::{EventHost, ProxyHost};
use crate::host_path;

/// How long building the guest may take (waiting for the shared target directory's lock
/// included).
const BUILD_LIMIT: Duration = Duration::from_secs(900);

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

/// How a run of the binary that is not a serving guest ended: [`run_binary`].
#[derive(Debug)]
pub struct Finished {
    /// Its exit status.
    pub status: ExitStatus,
    /// What it wrote on stdout.
    pub stdout: String,
    /// What it wrote on stderr.
    pub stderr: String,
}

/// Runs the binary with `args` (in a temporary directory, stdin closed) and waits at most `limit`
/// for it to exit; panics if it runs longer (it is killed then).
pub fn run_binary(args: &[&str], limit: Duration) -> Finished {
    let bin = guest_binary();
    let dir = tempfile::Builder::new()
        .prefix("bp-e2e-")
        .tempdir()
        .expect("temporary directory");
    let (out, err) = (dir.path().join("stdout"), dir.path().join("stderr"));
    let mut child = Command::new(bin)
        .args(args)
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(File::create(&out).expect("stdout file"))
        .stderr(File::create(&err).expect("stderr file"))
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", bin.display()));
    let status = wait_child(&mut child, limit)
        .unwrap_or_else(|| panic!("boxpark-guest {args:?} still ran after {limit:?}"));
    Finished {
        status,
        stdout: std::fs::read_to_string(out).unwrap_or_default(),
        stderr: std::fs::read_to_string(err).unwrap_or_default(),
    }
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
        crate::connect(&self.uds).await
    }

    /// A new connection used as the RPC connection: only while none is open.
    pub async fn connect_rpc(&self) -> GuestClient {
        crate::connect_rpc(&self.uds).await
    }

    /// A new proxy connection that has sent `req`.
    pub async fn proxy(&self, req: &ProxyRequest) -> UnixStream {
        crate::proxy(&self.uds, req).await
    }

    /// Sends `signal` to the guest.
    pub fn signal(&self, signal: Signal) {
        kill(Pid::from_raw(self.pid()), signal).expect("signal the guest");
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
