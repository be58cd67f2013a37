//! The Boxpark guest agent: serves the host's RPC and proxy connections on guest port 1, sends
//! events to host port 1, and forwards connections accepted on `Listen` sockets to host port 2.
//!
//! [`run`] is the whole daemon; `main.rs` only parses arguments and sets up logging. Everything
//! that touches the host goes through a [`transport::Transport`].

pub mod boot;
pub mod events;
pub mod host_proxy;
pub mod network;
pub mod program;
pub mod proxy;
pub mod reaper;
pub mod rpc;
pub mod shutdown;
pub mod splice;
pub mod sys;
pub mod transport;

use std::sync::Arc;

use tokio::sync::Semaphore;

pub use shutdown::{Finally, Shutdown};
use transport::{Conn, Transport};

/// The guest's version, sent in `Info`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Most proxy connections served at once; further ones wait for a slot.
pub const MAX_PROXY_CONNECTIONS: usize = 4096;

/// Settings of one guest.
#[derive(Debug, Clone)]
pub struct Config {
    /// Version reported in `Info`.
    pub version: String,
    /// Whether this process is PID 1 (then `Shutdown` powers off or reboots the VM).
    pub pid1: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            version: VERSION.to_owned(),
            pid1: std::process::id() == 1,
        }
    }
}

/// What every connection handler shares.
pub struct Guest {
    /// How to reach the host.
    pub transport: Arc<dyn Transport>,
    /// Settings.
    pub config: Config,
    /// The shutdown signal.
    pub shutdown: Shutdown,
    /// Sockets opened by `Guest.Listen`, forwarded to host port 2.
    pub listeners: host_proxy::Listeners,
    proxy_slots: Semaphore,
}

impl Guest {
    /// A guest that serves nothing yet: what [`run`] builds, and what tests of a single handler
    /// (such as `host_proxy::listen`) start from.
    pub fn new(transport: Arc<dyn Transport>, config: Config, shutdown: Shutdown) -> Arc<Guest> {
        Arc::new(Guest {
            transport,
            config,
            shutdown,
            listeners: host_proxy::Listeners::default(),
            proxy_slots: Semaphore::new(MAX_PROXY_CONNECTIONS),
        })
    }
}

/// Serves until the shutdown signal fires. Returns what the host asked for (`Finally`), so the
/// caller can power off or reboot when it is PID 1.
pub async fn run(
    transport: Arc<dyn Transport>,
    config: Config,
    shutdown: Shutdown,
    events: events::EventQueue,
) -> Finally {
    let guest = Guest::new(transport.clone(), config, shutdown.clone());
    tracing::info!(transport = %transport.describe(), version = %guest.config.version, "guest started");
    tokio::spawn(events::run(guest.clone(), events));
    let rpc = rpc::RpcPort::new();
    loop {
        let conn = tokio::select! {
            c = transport.accept() => c,
            _ = shutdown.fired() => break,
        };
        match conn {
            Ok(conn) => dispatch(&guest, &rpc, conn),
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
    guest.listeners.close_all();
    shutdown.finally().unwrap_or(Finally::PowerOff)
}

/// The first connection while none is open is the RPC connection; every other is a proxy.
fn dispatch(guest: &Arc<Guest>, rpc: &rpc::RpcPort, conn: Conn) {
    let Some(conn) = rpc.serve_if_free(guest, conn) else {
        return;
    };
    let guest = guest.clone();
    tokio::spawn(async move {
        let Ok(_slot) = guest.proxy_slots.acquire().await else {
            return;
        };
        proxy::serve(guest.clone(), conn).await;
    });
}
