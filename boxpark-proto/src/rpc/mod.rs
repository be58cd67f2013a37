//! Go `net/rpc` with its gob codec: a [`Server`] and a [`Client`] that are indistinguishable from
//! Go's on the wire and in behaviour. Nothing here knows a particular service: any Go `net/rpc`
//! service can be served or called.
//!
//! A connection carries one gob stream per direction. A call is a [`Request`] header, then the
//! argument; its answer is a [`Response`] header, then the reply value, or, when `Error` is set,
//! Go's anonymous `struct{}{}` ([`InvalidRequest`]). Each type is defined once per stream, as one
//! Go `gob.Encoder` does it.
//!
//! A server's method table is built once ([`ServerBuilder`]) and serves any number of
//! connections. Each connection has a [`Context`] that all its calls get: the connection's own
//! data, a cancellation signal (the peer's stream ended, reading was stopped, or serving ended),
//! [`Context::stop_reading`] for a method that ends the session, and [`Context::on_close`].
//!
//! ```no_run
//! use boxpark_proto::rpc::{Client, Error, ServerBuilder};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Default, Serialize, Deserialize)]
//! struct AddArgs { A: i64, B: i64 }
//! #[derive(Default, Serialize, Deserialize)]
//! struct AddReply { Sum: i64 }
//!
//! # async fn demo() -> Result<(), Error> {
//! let mut builder = ServerBuilder::new();
//! builder.register("Test.Add", |_ctx, a: AddArgs| async move {
//!     Ok::<_, String>(AddReply { Sum: a.A + a.B })
//! })?;
//! let server = builder.build();
//! let (a, b) = tokio::net::UnixStream::pair().map_err(|e| Error::io("socketpair", e))?;
//! tokio::spawn(async move { server.serve(a, ()).await });
//!
//! let client = Client::new(b);
//! let reply: AddReply = client.call("Test.Add", &AddArgs { A: 1, B: 2 }).await?;
//! assert_eq!(reply.Sum, 3);
//! # Ok(()) }
//! ```
//!
//! How this follows Go's `net/rpc` (`server.go`, `client.go`):
//!
//! - Server: requests are read one after the other; each call runs in its own task and its reply
//!   goes out when it finishes, so replies come in completion order, matched by `Seq`. An unknown
//!   service or method, or a name without a dot, is answered with Go's error text after the
//!   argument has been read and discarded; an argument that does not decode into the method's type
//!   is answered with the decode error; a method's error is answered with its text. In all these
//!   cases the connection stays open. A header that does not decode (including any stream that is
//!   not gob) ends the connection. When the peer stops sending (or a method called
//!   [`Context::stop_reading`]), the calls still running finish and their replies are written
//!   before the connection is closed, as Go's `ServeCodec` waits for them. At most
//!   [`MAX_CONCURRENT_CALLS`] calls per connection are outstanding (running, or answered but not
//!   yet written), holding at most [`MAX_PENDING_ARGUMENT_BYTES`] of arguments; the next request
//!   is read when one is out. A handler that panics is answered with
//!   `rpc: <method> panicked: <message>` and the server goes on (Go's server would crash the
//!   process).
//! - Client: sequence numbers start at 0 and the requests are written in that order; any number of
//!   tasks may call at once over one connection. A call made while others are in flight leaves
//!   its writing to the connection's writer task, so that concurrent requests go out together. A reply's `Error` becomes [`Error::Server`] and its
//!   body (the empty struct) is read and discarded. When the connection breaks, every pending call
//!   and every later one fails with [`Error::ConnectionClosed`] and the cause.
//!
//! Where Go leaves a connection in an undefined state, this implementation does better: a reply or
//! argument that cannot be encoded (a programming error, for example a `None` inside a `Vec`) is
//! never half written. The client fails that call with [`Error::Encode`]; the server answers it with
//! `rpc: gob error encoding body: …` (Go writes the header alone and closes the connection). As in
//! Go, a method error whose text is empty counts as success; the reply is then the reply type's
//! zero (`Default`) value, which is what a Go method that fails before filling its reply sends.
#![allow(non_snake_case)]

mod client;
mod context;
mod method;
mod outbox;
mod server;

use serde::{Deserialize, Serialize};

pub use crate::Error;
pub use client::Client;
pub use context::Context;
pub use server::{Server, ServerBuilder, MAX_CONCURRENT_CALLS, MAX_PENDING_ARGUMENT_BYTES};

/// The header of each call: Go's `rpc.Request` (its gob type name is `Request`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// `"Service.Method"`.
    pub ServiceMethod: String,
    /// Chosen by the client; the reply carries it back.
    pub Seq: u64,
}

/// The header of each reply: Go's `rpc.Response` (its gob type name is `Response`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// Echoes the request's.
    pub ServiceMethod: String,
    /// Echoes the request's.
    pub Seq: u64,
    /// The error, if any; then the body is an empty struct.
    pub Error: String,
}

/// What `net/rpc` sends as the reply body of a failed call: Go's anonymous `struct{}{}` (its
/// `invalidRequest`), whose gob type name is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "")]
pub struct InvalidRequest {}

/// Bytes buffered for reading a connection. Nothing but gob follows on an RPC connection, so the
/// decoder may read ahead (Go wraps the connection in a `bufio.Reader` too).
const READ_BUFFER: usize = 16 << 10;
