//! The crate's one error type: RPC calls and serving, proxy connections, the hybrid vsock handshake.

/// Everything that can fail in this crate: RPC calls and serving, proxy connections, the hybrid
/// vsock handshake.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered the call with this error text (Go's `rpc.ServerError`); the connection
    /// is still usable.
    #[error("{0}")]
    Server(String),

    /// The client was closed with [`crate::rpc::Client::close`] (Go's `rpc.ErrShutdown`).
    #[error("rpc: connection is shut down")]
    Shutdown,

    /// The connection broke: every pending call and every later one fails with this. The text says
    /// why (the server closed the connection, a read or write failed, a reply did not decode).
    #[error("rpc: connection closed: {0}")]
    ConnectionClosed(String),

    /// A reply's body did not decode into the type the caller asked for. As with Go's client, the
    /// connection is closed after this, since the stream can no longer be trusted.
    #[error("rpc: reading body of {service_method} reply: {source}")]
    ReplyBody {
        /// The call.
        service_method: String,
        /// The decode error.
        #[source]
        source: gob_codec::Error,
    },

    /// The call's argument could not be gob-encoded; nothing was sent.
    #[error("rpc: encoding {service_method} request: {source}")]
    Encode {
        /// The call.
        service_method: String,
        /// The encode error.
        #[source]
        source: gob_codec::Error,
    },

    /// A request header did not decode, or reading it failed: the server closed the connection
    /// (Go's text).
    #[error("rpc: server cannot decode request: {0}")]
    BadRequest(#[source] gob_codec::Error),

    /// A method could not be registered.
    #[error("rpc: cannot register {name:?}: {reason}")]
    Register {
        /// The `"Service.Method"` name given.
        name: String,
        /// Why not.
        reason: &'static str,
    },

    /// Gob encoding or decoding failed outside a call.
    #[error("{context}: {source}")]
    Gob {
        /// What was being done.
        context: String,
        /// The gob error.
        #[source]
        source: gob_codec::Error,
    },

    /// An I/O operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// The hybrid vsock handshake failed (`CONNECT <port>` was not answered with `OK <n>`).
    #[error("hybrid vsock: CONNECT {port} on {path}: {reason}")]
    Handshake {
        /// The Unix socket.
        path: String,
        /// The guest port asked for.
        port: u32,
        /// What went wrong.
        reason: String,
    },

    /// The peer broke the protocol of a proxy connection (for example a `launch` stream that
    /// ended before its `Exited` message).
    #[error("protocol: {0}")]
    Protocol(String),
}

impl Error {
    /// An [`Error::Io`] with context.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// A [`Error::Gob`] with context.
    pub fn gob(context: impl Into<String>, source: gob_codec::Error) -> Self {
        Error::Gob {
            context: context.into(),
            source,
        }
    }

    /// True when the call failed because the connection is gone ([`Error::ConnectionClosed`] or
    /// [`Error::Shutdown`]), as opposed to an answer from the server.
    pub fn is_connection_error(&self) -> bool {
        matches!(self, Error::ConnectionClosed(_) | Error::Shutdown)
    }
}
