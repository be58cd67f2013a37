//! The Boxpark guest agent: serves the host's RPC and proxy connections on guest port 1, sends
//! events to host port 1, and forwards connections accepted on `Listen` sockets to host port 2.
//!
//! [`run`] is the whole daemon; `main.rs` only parses arguments and sets up logging. Everything
//! that touches the host goes through a [`transport::Transport`].

#![deny(missing_docs)]

pub mod boot;
pub mod events;
pub mod host_proxy;
pub mod network;
pub mod output_budget;
pub mod program;
pub mod proxy;
pub mod reaper;
pub mod rpc;
pub mod shutdown;
pub mod splice;
pub mod sys;
pub mod transport;

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub use shutdown::{PowerAction, Shutdown};
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
    /// Bytes of program output that all `Run` calls together may hold ([`output_budget`]).
    pub run_output_budget: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            version: VERSION.to_owned(),
            pid1: std::process::id() == 1,
            run_output_budget: output_budget::DEFAULT_RUN_OUTPUT_BUDGET,
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
    /// What the output of running `Run` calls may hold.
    pub run_output: Arc<output_budget::OutputBudget>,
    proxy_slots: Arc<Semaphore>,
}

impl Guest {
    /// A guest that serves nothing yet: what [`run`] builds, and what tests of a single handler
    /// (such as `host_proxy::listen`) start from.
    pub fn new(transport: Arc<dyn Transport>, config: Config, shutdown: Shutdown) -> Arc<Guest> {
        let run_output = output_budget::OutputBudget::new(config.run_output_budget);
        Arc::new(Guest {
            transport,
            config,
            shutdown,
            listeners: host_proxy::Listeners::default(),
            run_output,
            proxy_slots: Arc::new(Semaphore::new(MAX_PROXY_CONNECTIONS)),
        })
    }
}

/// Serves until the shutdown signal fires. Returns what the host asked for (`PowerAction`), so the
/// caller can power off or reboot when it is PID 1.
pub async fn run(
    transport: Arc<dyn Transport>,
    config: Config,
    shutdown: Shutdown,
    events: events::EventQueue,
) -> PowerAction {
    let guest = Guest::new(transport.clone(), config, shutdown.clone());
    tracing::info!(transport = %transport.describe(), version = %guest.config.version, "guest started");
    tokio::spawn(events::run(guest.clone(), events));
    let rpc = rpc::RpcPort::new();
    loop {
        // A proxy connection's slot is taken before it is accepted: beyond the cap, connections
        // wait in the transport's backlog rather than as tasks. The RPC connection needs none.
        let slot = if rpc.is_open() {
            tokio::select! {
                s = guest.proxy_slots.clone().acquire_owned() => s.ok(),
                _ = shutdown.fired() => break,
            }
        } else {
            None
        };
        let conn = tokio::select! {
            c = transport.accept() => c,
            _ = shutdown.fired() => break,
        };
        match conn {
            Ok(conn) => dispatch(&guest, &rpc, conn, slot),
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
    guest.listeners.close_all();
    shutdown.power_action().unwrap_or(PowerAction::PowerOff)
}

/// The first connection while none is open is the RPC connection; every other is a proxy,
/// served with the slot taken for it (or, if the RPC connection closed while this one was being
/// accepted, a free slot).
fn dispatch(
    guest: &Arc<Guest>,
    rpc: &rpc::RpcPort,
    conn: Conn,
    slot: Option<OwnedSemaphorePermit>,
) {
    let Some(conn) = rpc.serve_if_free(guest, conn) else {
        return;
    };
    let slot = match slot {
        Some(s) => s,
        None => match guest.proxy_slots.clone().try_acquire_owned() {
            Ok(s) => s,
            Err(_) => {
                tracing::warn!(
                    max = MAX_PROXY_CONNECTIONS,
                    "proxy connection refused: too many open"
                );
                return;
            }
        },
    };
    let guest = guest.clone();
    tokio::spawn(async move {
        let _slot = slot;
        proxy::serve(guest.clone(), conn).await;
    });
}
