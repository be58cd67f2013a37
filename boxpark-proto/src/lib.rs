//! The Boxpark guest's wire types and Go `net/rpc` over gob.
//!
//! - Guest port 1 ([`ports::GUEST_API_PORT`]): the first connection is `net/rpc` with service
//!   `Guest` ([`api`]); every other connection starts with a [`proxy::ProxyRequest`].
//! - Host port 1 ([`ports::HOST_EVENT_PORT`]): [`event::Info`], then [`event::Log`]s.
//! - Host port 2 ([`ports::HOST_PROXY_PORT`]): a [`proxy::ConnectionRequest`] per accepted
//!   connection.
//!
//! Everything is Go `encoding/gob`, byte-identical to what Go writes (see `docs/PROTOCOL.md`).
//!
//! [`rpc`] is Go's `net/rpc` (a server and a client), for any service; [`host`] is the host's side:
//! a typed `Guest` client and helpers for proxy connections and the hybrid vsock handshake.
#![deny(missing_docs)]

pub mod api;
mod error;
pub mod event;
pub mod host;
pub mod ports;
pub mod proxy;
pub mod rpc;

pub use error::Error;
