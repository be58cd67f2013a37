//! The `Guest` RPC service: Go `net/rpc` over gob on the RPC connection of guest port 1.
//!
//! Each method has its module ([`mount`], [`run`], [`write`], [`mkdir`]); each returns
//! `Result<_, Error>`, and [`Error`]'s text becomes the reply's `Error` in one place,
//! [`into_rpc_error`], where failures are also logged. (Served once `boxpark_proto::rpc::Server`
//! is in.)

pub mod error;
pub mod mkdir;
pub mod mount;
pub mod run;
pub mod write;

use std::sync::Arc;

pub use error::Error;

use crate::transport::Conn;
use crate::Guest;

/// Serves the RPC connection.
pub async fn serve(_guest: Arc<Guest>, _conn: Conn) -> std::io::Result<()> {
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
