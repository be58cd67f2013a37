//! The guest library in the test process: the in-process suite's guests.
//!
//! - [`InProcessGuest`]: `boxpark_guest::run` on a hybrid transport in a temporary directory, as a
//!   task of the test's runtime. What it logs reaches [`crate::logs`] or an `EventLayer` the test
//!   installs on its thread (tests that look at logs run on a current-thread runtime, so that the
//!   guest's tasks log on the test's thread).
//! - [`guest_on_own_runtime`]: the same, on a runtime and a thread of its own that end when `run`
//!   returns, as `main.rs` runs it (the host, on the test's runtime, is then as independent of it
//!   as another process).
//! - [`BareGuest`]: a [`Guest`] that serves nothing, for the tests that call one handler directly
//!   (`rpc::listen::listen`) and look at its state (`listeners`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use boxpark_guest::events::EventQueue;
use boxpark_guest::transport::HybridTransport;
use boxpark_guest::{Config, Guest, PowerAction, Shutdown};
use boxpark_proto::api::ListenRequest;
use boxpark_proto::host::GuestClient;
use boxpark_proto::proxy::ProxyRequest;
use tokio::net::UnixStream;
use tokio::task::JoinHandle;

use crate::host::ProxyHost;
use crate::within;

/// A fresh temporary directory for one guest.
fn temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("bp-in-process-")
        .tempdir()
        .expect("temporary directory")
}

/// Settings of a guest that is not PID 1 (`Shutdown` then only ends `run`).
pub fn config() -> Config {
    Config {
        pid1: false,
        ..Config::default()
    }
}

/// `boxpark_guest::run` serving on `<tempdir>/guest.sock` in a task of the test's runtime.
/// Dropping it fires the shutdown signal and aborts the task.
pub struct InProcessGuest {
    uds: PathBuf,
    shutdown: Shutdown,
    task: JoinHandle<PowerAction>,
    // Last, so that it is removed after the guest has stopped.
    dir: tempfile::TempDir,
}

impl InProcessGuest {
    /// A guest (not PID 1) with an event queue of 64 records; nobody listens on its host ports.
    pub fn start() -> InProcessGuest {
        Self::start_with(config(), EventQueue::new(64))
    }

    /// A guest (as [`Self::start`]) with its RPC connection open and silent: every later
    /// connection is a proxy connection.
    pub async fn start_for_proxies() -> (InProcessGuest, UnixStream) {
        let guest = Self::start();
        let rpc = guest.connect().await;
        (guest, rpc)
    }

    /// A guest with `config` that sends the records of `queue` to host port 1.
    pub fn start_with(config: Config, queue: EventQueue) -> InProcessGuest {
        let dir = temp_dir();
        let uds = dir.path().join("guest.sock");
        let transport = HybridTransport::bind(&uds).expect("bind the hybrid transport");
        let shutdown = Shutdown::new();
        let task = tokio::spawn(boxpark_guest::run(
            transport,
            config,
            shutdown.clone(),
            queue,
        ));
        InProcessGuest {
            uds,
            shutdown,
            task,
            dir,
        }
    }

    /// The temporary directory of this guest (its socket, and room for the tests' files).
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

    /// Where the guest dials host port `port`.
    pub fn host_path(&self, port: u32) -> PathBuf {
        crate::host_path(&self.uds, port)
    }

    /// The guest's shutdown signal.
    pub fn shutdown(&self) -> &Shutdown {
        &self.shutdown
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

    /// Waits for `run` to return (after the shutdown signal fired) and returns its action.
    pub async fn stopped(&mut self) -> PowerAction {
        within("the guest's run to return", &mut self.task)
            .await
            .expect("the guest's task")
    }
}

impl Drop for InProcessGuest {
    fn drop(&mut self) {
        self.shutdown.trigger(PowerAction::PowerOff);
        self.task.abort();
    }
}

/// The guest as `main.rs` runs it: `boxpark_guest::run` on `uds` (bound on the new thread), on a
/// multi-thread runtime of its own that is dropped as soon as `run` returns, which ends every task
/// as the process's exit would (a reply not yet written by then is lost). Its logs go to the
/// global subscriber, if any. Wait for its socket with [`crate::connect_when_listening`].
pub fn guest_on_own_runtime(
    uds: PathBuf,
    shutdown: Shutdown,
    queue: EventQueue,
) -> std::thread::JoinHandle<PowerAction> {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("guest runtime");
        let action = rt.block_on(async move {
            let transport = HybridTransport::bind(&uds).expect("bind the hybrid transport");
            boxpark_guest::run(transport, config(), shutdown, queue).await
        });
        drop(rt);
        action
    })
}

/// A [`Guest`] that serves nothing (no `run`): its handlers are called directly.
pub struct BareGuest {
    /// The guest's state.
    pub guest: Arc<Guest>,
    host_port_2: PathBuf,
    dir: tempfile::TempDir,
}

impl Default for BareGuest {
    fn default() -> Self {
        Self::new()
    }
}

impl BareGuest {
    /// A guest on a hybrid transport in a temporary directory.
    pub fn new() -> BareGuest {
        let dir = temp_dir();
        let transport =
            HybridTransport::bind(&dir.path().join("guest.sock")).expect("bind the transport");
        let host_port_2 = transport.host_path(2);
        let guest = Guest::new(transport, Config::default(), Shutdown::new());
        BareGuest {
            guest,
            host_port_2,
            dir,
        }
    }

    /// `Guest.Listen`'s handler: the bound address, or the error's text.
    pub async fn listen(
        &self,
        network: &str,
        address: &str,
        buffer: i64,
    ) -> Result<String, String> {
        let req = ListenRequest {
            Network: network.into(),
            Address: address.into(),
            BufferSize: buffer,
        };
        boxpark_guest::rpc::listen::listen(&self.guest, req)
            .await
            .map(|r| r.Address)
    }

    /// `name` inside the guest's temporary directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The fake host, listening on host port 2 from now on.
    pub fn host(&self) -> ProxyHost {
        ProxyHost::bind(&self.host_port_2)
    }
}
