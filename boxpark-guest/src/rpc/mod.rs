//! The `Guest` RPC service: Go `net/rpc` over gob on the RPC connection of guest port 1, served
//! by [`boxpark_proto::rpc::Server`].
//!
//! Each method has its module ([`mount`], [`run`], [`write`], [`mkdir`], [`shutdown`]; `Listen`
//! is [`crate::host_proxy::listen`]); each returns `Result<_, Error>`, and [`Error`]'s text becomes
//! the reply's `Error` in one place, [`into_rpc_error`], where failures are also logged.
//!
//! The connection's life, beyond what the server does:
//!
//! - When the host's side of the connection ends (EOF or a read error) the calls still running
//!   are abandoned: a `Run` kills its process group and answers with an error (which nobody may
//!   read). The server then writes the replies that are ready and closes, so the next connection
//!   to guest port 1 becomes the RPC connection again.
//! - `Guest.Shutdown` answers, then stops reading requests (those already buffered are still
//!   served); running calls are abandoned as above. Once every reply has been written and
//!   flushed, the guest's shutdown signal fires (at the latest [`SHUTDOWN_GRACE`] after the
//!   `Shutdown` reply, if a call cannot be abandoned, such as a write to a FIFO nobody reads).

pub mod error;
pub mod mkdir;
pub mod mount;
pub mod run;
pub mod shutdown;
pub mod write;

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use boxpark_proto::api::{
    methods, ListenRequest, MkdirRequest, MountRequest, RunRequest, ShutdownRequest, WriteRequest,
};
use boxpark_proto::rpc::Server;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

pub use error::Error;

use crate::transport::Conn;
use crate::{Finally, Guest};

/// Longest wait, after the `Shutdown` reply, for the other calls to end before the guest shuts
/// down anyway.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// Serves the RPC connection until the host closes it (or a `Shutdown` was answered); fires the
/// shutdown signal after a `Shutdown` reply was written.
pub async fn serve(guest: Arc<Guest>, conn: Conn) -> Result<(), boxpark_proto::rpc::Error> {
    let state = Arc::new(Connection::default());
    let server = server(&guest, &state)?;
    // However serving ends, calls still running are abandoned.
    let _abandon = state.closing.clone().drop_guard();
    let conn = Guarded::new(conn, &state);
    let serving = server.serve(conn);
    tokio::pin!(serving);
    let stopped_long_ago = async {
        state.stop_reading.cancelled().await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    let result = tokio::select! {
        r = &mut serving => r,
        () = stopped_long_ago => {
            tracing::warn!("shutdown: calls still running; closing the RPC connection without them");
            Ok(())
        }
    };
    if let Some(finally) = state.finally() {
        if let Err(e) = &result {
            // A request cut short by the stop, or a host that went away meanwhile.
            tracing::debug!(error = %e, "RPC connection ended while shutting down");
        }
        shutdown::after_reply(&guest, finally);
        return Ok(());
    }
    result
}

/// The server with the six `Guest` methods, for one connection.
fn server(
    guest: &Arc<Guest>,
    state: &Arc<Connection>,
) -> Result<Server, boxpark_proto::rpc::Error> {
    let mut s = Server::new();
    register(&mut s, methods::MOUNT, |req: MountRequest| {
        mount::mount(req)
    })?;
    let closing = state.closing.clone();
    register(&mut s, methods::RUN, move |req: RunRequest| {
        let closing = closing.clone();
        async move {
            tokio::select! {
                biased;
                // Dropping the call kills its process group.
                () = closing.cancelled() => Err(Error::Abandoned),
                r = run::run(req) => r,
            }
        }
    })?;
    register(&mut s, methods::WRITE, |req: WriteRequest| {
        write::write(req)
    })?;
    register(&mut s, methods::MKDIR, |req: MkdirRequest| {
        mkdir::mkdir(req)
    })?;
    let g = guest.clone();
    register(&mut s, methods::LISTEN, move |req: ListenRequest| {
        let g = g.clone();
        async move {
            crate::host_proxy::listen(&g, req)
                .await
                .map_err(Error::Other)
        }
    })?;
    let (g, st) = (guest.clone(), state.clone());
    register(&mut s, methods::SHUTDOWN, move |req: ShutdownRequest| {
        let (g, st) = (g.clone(), st.clone());
        async move { shutdown::shutdown(&g, &st, req) }
    })?;
    Ok(s)
}

/// Registers a method whose errors become their `net/rpc` text in [`into_rpc_error`].
fn register<A, R, F, Fut>(
    server: &mut Server,
    name: &'static str,
    f: F,
) -> Result<(), boxpark_proto::rpc::Error>
where
    F: Fn(A) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, Error>> + Send + 'static,
    A: DeserializeOwned + Send + 'static,
    R: Serialize + DeserializeOwned + Default + Send + 'static,
{
    server.register(name, move |args: A| {
        let call = f(args);
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

/// What the calls of one RPC connection share.
#[derive(Default)]
pub struct Connection {
    /// Fires when the host's side ended, when reading stopped for a shutdown, or when serving
    /// ended: calls still running are abandoned.
    closing: CancellationToken,
    /// Fires when a `Shutdown` was answered: no further request is read.
    stop_reading: CancellationToken,
    /// What the answered `Shutdown` asked for (the first one wins).
    finally: Mutex<Option<Finally>>,
}

impl Connection {
    /// Records an answered `Shutdown` and stops reading requests.
    fn request_shutdown(&self, finally: Finally) {
        let mut f = self.finally.lock().unwrap_or_else(|e| e.into_inner());
        f.get_or_insert(finally);
        drop(f);
        self.stop_reading.cancel();
    }

    fn finally(&self) -> Option<Finally> {
        *self.finally.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The connection as the server sees it: reading ends (EOF) once a `Shutdown` stopped it, and
/// the end of the host's side fires `closing`.
struct Guarded {
    conn: Conn,
    stop: Pin<Box<WaitForCancellationFutureOwned>>,
    closing: CancellationToken,
    ended: bool,
}

impl Guarded {
    fn new(conn: Conn, state: &Connection) -> Self {
        Guarded {
            conn,
            stop: Box::pin(state.stop_reading.clone().cancelled_owned()),
            closing: state.closing.clone(),
            ended: false,
        }
    }

    fn end(&mut self) {
        self.ended = true;
        self.closing.cancel();
    }
}

impl AsyncRead for Guarded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.ended {
            return Poll::Ready(Ok(()));
        }
        if self.stop.as_mut().poll(cx).is_ready() {
            self.end();
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        let wanted = buf.remaining() > 0;
        match Pin::new(&mut self.conn).poll_read(cx, buf) {
            Poll::Ready(Ok(())) if wanted && buf.filled().len() == before => {
                self.end();
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => {
                self.end();
                Poll::Ready(Err(e))
            }
            other => other,
        }
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.conn).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.conn).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.conn).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.conn).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.conn.is_write_vectored()
    }
}
