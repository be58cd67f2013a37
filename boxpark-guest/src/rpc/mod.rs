//! The `Guest` RPC service: Go `net/rpc` over gob on the RPC connection of guest port 1, served
//! by [`boxpark_proto::rpc::Server`].
//!
//! Each method has its module ([`mount`], [`run`], [`write`](mod@write), [`mkdir`], [`shutdown`]; `Listen`
//! is [`crate::host_proxy::listen`]); each returns `Result<_, Error>`, and [`Error`]'s text becomes
//! the reply's `Error` in one place, [`into_rpc_error`], where failures are also logged.
//!
//! The method table is built once, by [`RpcPort::new`]; each RPC connection gets a
//! [`Context`] whose data is a [`Connection`]. The connection's life, beyond what the server does:
//!
//! - When the host's side of the connection ends (EOF or a read error) the context is cancelled
//!   and the calls still running are abandoned: a `Run` kills its process group and answers with
//!   an error (which nobody may read). The server then writes the replies that are ready and
//!   closes, so the next connection to guest port 1 becomes the RPC connection again.
//! - `Guest.Shutdown` answers, then stops reading requests ([`Context::stop_reading`]; those
//!   already buffered are still served); running calls are abandoned as above. Once every reply
//!   has been written and flushed, the guest's shutdown signal fires (at the latest
//!   [`SHUTDOWN_GRACE`] after the `Shutdown` reply, if a call cannot be abandoned, such as a write
//!   to a FIFO nobody reads).
//! - The RPC slot is freed just before the server closes the connection (whoever ends it), so a
//!   host that reconnects the moment it sees the close gets the RPC connection again.

pub mod error;
pub mod mkdir;
pub mod mount;
pub mod run;
pub mod shutdown;
pub mod write;

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use boxpark_proto::api::{
    methods, ListenRequest, MkdirRequest, MountRequest, RunRequest, ShutdownRequest, WriteRequest,
};
use boxpark_proto::rpc::{Server, ServerBuilder};
use serde::de::DeserializeOwned;
use serde::Serialize;

pub use error::Error;

use crate::transport::Conn;
use crate::{Finally, Guest};

/// Longest wait, after the `Shutdown` reply, for the other calls to end before the guest shuts
/// down anyway.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// The context of an RPC connection, which every call of it gets.
pub type Context = boxpark_proto::rpc::Context<Connection>;

/// The `Guest` service.
pub type Service = Server<Connection>;

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
            service: service(),
            open: Arc::new(AtomicBool::new(false)),
        }
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
    if let Some(finally) = ctx.data().finally() {
        if let Err(e) = &result {
            // A request cut short by the stop, or a host that went away meanwhile.
            tracing::debug!(error = %e, "RPC connection ended while shutting down");
        }
        shutdown::after_reply(ctx.data().guest(), finally);
        return Ok(());
    }
    result
}

/// The `Guest` service's six methods.
fn service() -> Service {
    let mut b = Server::<Connection>::builder();
    // The names are fixed and well formed, so registering cannot fail.
    if let Err(e) = register_all(&mut b) {
        tracing::error!(error = %e, "registering the Guest service");
    }
    b.build()
}

fn register_all(b: &mut ServerBuilder<Connection>) -> Result<(), boxpark_proto::rpc::Error> {
    register(b, methods::MOUNT, |_, req: MountRequest| mount::mount(req))?;
    register(
        b,
        methods::RUN,
        |ctx: Context, req: RunRequest| async move {
            tokio::select! {
                biased;
                // Dropping the call kills its process group.
                () = ctx.cancelled() => Err(Error::Abandoned),
                r = run::run(req) => r,
            }
        },
    )?;
    register(b, methods::WRITE, |_, req: WriteRequest| write::write(req))?;
    register(b, methods::MKDIR, |_, req: MkdirRequest| mkdir::mkdir(req))?;
    register(
        b,
        methods::LISTEN,
        |ctx: Context, req: ListenRequest| async move {
            crate::host_proxy::listen(ctx.data().guest(), req)
                .await
                .map_err(Error::Other)
        },
    )?;
    register(
        b,
        methods::SHUTDOWN,
        |ctx: Context, req: ShutdownRequest| async move { shutdown::shutdown(&ctx, req) },
    )?;
    Ok(())
}

/// Registers a method whose errors become their `net/rpc` text in [`into_rpc_error`].
fn register<A, R, F, Fut>(
    b: &mut ServerBuilder<Connection>,
    name: &'static str,
    f: F,
) -> Result<(), boxpark_proto::rpc::Error>
where
    F: Fn(Context, A) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, Error>> + Send + 'static,
    A: DeserializeOwned + Send + 'static,
    R: Serialize + DeserializeOwned + Default + Send + 'static,
{
    b.register(name, move |ctx: Context, args: A| {
        let call = f(ctx, args);
        async move { call.await.map_err(|e| into_rpc_error(name, e)) }
    })?;
    Ok(())
}

/// The `Error` text of a failed call, logged here (as a warning: it reaches the host's events).
pub fn into_rpc_error(method: &str, e: Error) -> String {
    let text = e.to_string();
    tracing::warn!(method, error = %text, "call failed");
    text
}

/// Runs blocking file-system work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Other(format!("internal error: {e}")))?
}

/// What the calls of one RPC connection share, beside what [`Context`] gives every connection.
pub struct Connection {
    guest: Arc<Guest>,
    /// What the answered `Shutdown` asked for (the first one wins).
    finally: Mutex<Option<Finally>>,
}

impl Connection {
    fn new(guest: Arc<Guest>) -> Self {
        Connection {
            guest,
            finally: Mutex::new(None),
        }
    }

    /// The guest this connection belongs to.
    pub fn guest(&self) -> &Arc<Guest> {
        &self.guest
    }

    /// Records what an answered `Shutdown` asked for (the first one wins).
    fn record_shutdown(&self, finally: Finally) {
        let mut f = self.finally.lock().unwrap_or_else(|e| e.into_inner());
        f.get_or_insert(finally);
    }

    fn finally(&self) -> Option<Finally> {
        *self.finally.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("finally", &self.finally())
            .finish_non_exhaustive()
    }
}
