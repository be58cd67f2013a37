//! The `Guest` RPC service: Go `net/rpc` over gob on the RPC connection of guest port 1, served
//! by [`boxpark_proto::rpc::Server`].
//!
//! Each method has its module ([`mount`], [`run`], [`write`](mod@write), [`mkdir`], [`listen`],
//! [`shutdown`]); each returns `Result<_, Error>`, and [`Error`]'s text becomes the reply's
//! `Error` in one place, [`methods::into_rpc_error`], where failures are also logged.
//!
//! The method table ([`methods`]) is built once, by [`RpcPort::new`]; each RPC connection
//! ([`connection`]) gets a [`Context`] whose data is a [`Connection`]. The connection's life,
//! beyond what the server does:
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

pub mod connection;
pub mod error;
pub mod listen;
pub mod methods;
pub mod mkdir;
pub mod mount;
pub mod run;
pub mod shutdown;
pub mod write;

use std::time::Duration;

use boxpark_proto::rpc::Server;

pub use connection::{Connection, RpcPort};
pub use error::Error;

/// Longest wait, after the `Shutdown` reply, for the other calls to end before the guest shuts
/// down anyway.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// The context of an RPC connection, which every call of it gets.
pub type Context = boxpark_proto::rpc::Context<Connection>;

/// The `Guest` service.
pub type Service = Server<Connection>;

/// Runs blocking file-system work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Other(format!("internal error: {e}")))?
}
