//! The RPC connection of guest port 1: the slot that makes the first connection while none is
//! open the RPC connection, serving it, and what its calls share ([`Connection`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::{methods, shutdown, Context, Service, SHUTDOWN_GRACE};
use crate::transport::Conn;
use crate::{Guest, PowerAction};

/// Guest port 1's RPC side: the `Guest` service, built once, and the slot of the one RPC
/// connection open at a time.
#[derive(Debug)]
pub struct RpcPort {
    service: Service,
    /// Whether an RPC connection is open.
    open: Arc<AtomicBool>,
}

impl Default for RpcPort {
    fn default() -> Self {
        Self::new()
    }
}

impl RpcPort {
    /// The service, with no RPC connection open.
    pub fn new() -> Self {
        RpcPort {
            service: methods::service(),
            open: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Whether an RPC connection is open (the next connection is then a proxy connection).
    pub fn is_open(&self) -> bool {
        self.open.load(Ordering::SeqCst)
    }

    /// Serves `conn` as the RPC connection, in a task of its own, if none is open; otherwise
    /// gives it back (it is then a proxy connection).
    pub fn serve_if_free(&self, guest: &Arc<Guest>, conn: Conn) -> Option<Conn> {
        if self.open.swap(true, Ordering::SeqCst) {
            return Some(conn);
        }
        let slot = Slot(self.open.clone());
        let ctx = Context::new(Connection::new(guest.clone()));
        // Before the peer can see the close, whoever closes: a host that reconnects as soon as
        // it sees it gets the RPC connection. (Dropped unrun if serving never starts.)
        ctx.on_close(move || drop(slot));
        let service = self.service.clone();
        tokio::spawn(async move {
            tracing::info!("RPC connection opened");
            if let Err(e) = serve(&service, ctx, conn).await {
                tracing::warn!(error = %e, "RPC connection failed");
            }
            tracing::info!("RPC connection closed");
        });
        None
    }
}

/// A taken RPC slot; dropping it frees the slot.
struct Slot(Arc<AtomicBool>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// Serves the RPC connection until the host closes it (or a `Shutdown` was answered); fires the
/// shutdown signal after a `Shutdown` reply was written.
async fn serve(
    service: &Service,
    ctx: Context,
    conn: Conn,
) -> Result<(), boxpark_proto::rpc::Error> {
    let serving = service.serve_context(conn, ctx.clone());
    tokio::pin!(serving);
    let stopped_long_ago = async {
        ctx.reading_stopped().await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    let result = tokio::select! {
        r = &mut serving => r,
        () = stopped_long_ago => {
            tracing::warn!("shutdown: calls still running; closing the RPC connection without them");
            Ok(())
        }
    };
    if let Some(action) = ctx.data().power_action() {
        if let Err(e) = &result {
            // A request cut short by the stop, or a host that went away meanwhile.
            tracing::debug!(error = %e, "RPC connection ended while shutting down");
        }
        shutdown::after_reply(ctx.data().guest(), action);
        return Ok(());
    }
    result
}

/// What the calls of one RPC connection share, beside what [`Context`] gives every connection.
pub struct Connection {
    guest: Arc<Guest>,
    /// What the answered `Shutdown` asked for (the first one wins).
    power_action: Mutex<Option<PowerAction>>,
}

impl Connection {
    pub(super) fn new(guest: Arc<Guest>) -> Self {
        Connection {
            guest,
            power_action: Mutex::new(None),
        }
    }

    /// The guest this connection belongs to.
    pub fn guest(&self) -> &Arc<Guest> {
        &self.guest
    }

    /// Records what an answered `Shutdown` asked for (the first one wins).
    pub(super) fn record_shutdown(&self, action: PowerAction) {
        let mut f = self.power_action.lock().unwrap_or_else(|e| e.into_inner());
        f.get_or_insert(action);
    }

    fn power_action(&self) -> Option<PowerAction> {
        *self.power_action.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("power_action", &self.power_action())
            .finish_non_exhaustive()
    }
}
