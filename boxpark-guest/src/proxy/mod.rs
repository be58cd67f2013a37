//! Guest proxy connections: one gob `ProxyRequest`, then a splice, datagrams, a file or a process.
//!
//! [`serve`] reads the request with an [`AsyncDecoder`], which never reads past the value, so the
//! bytes that follow the request in the same write reach the target. Each network has its module:
//! [`stream`] (`tcp`, `unix`), [`datagram`] (`udp`, `unixgram`), [`file`](mod@file) and [`launch`].
//!
//! A request that cannot be served (bad gob, unknown network, dial failure, missing file, program
//! not found) is logged as a warning with its network and address, which reaches the host on the
//! event stream, and the connection is closed. A connection that breaks while in use is logged at
//! debug level only: peers hang up.

pub mod datagram;
pub mod file;
pub mod launch;
pub mod stream;

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use boxpark_proto::proxy::ProxyRequest;
use gob_codec::async_io::AsyncDecoder;
use gob_codec::Limits;
use tokio::io::{ReadHalf, WriteHalf};

use crate::network::ProxyNetwork;
use crate::transport::Conn;

/// How long the host may take to send its `ProxyRequest`.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long dialing a `tcp`, `unix`, `udp` or `unixgram` target may take.
pub const DIAL_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest datagram relayed in either direction, in bytes.
pub const MAX_DATAGRAM: usize = 64 << 10;
/// Largest gob message accepted from the host: a datagram of [`MAX_DATAGRAM`] bytes and its
/// framing. A `ProxyRequest` is far smaller.
pub const MAX_MESSAGE: usize = MAX_DATAGRAM + 64;
/// Deepest nesting accepted in gob from the host (a `ProxyRequest` nests two levels).
const MAX_DEPTH: usize = 16;

/// The host side of a proxy connection, read half.
pub type HostReader = ReadHalf<Conn>;
/// The host side of a proxy connection, write half.
pub type HostWriter = WriteHalf<Conn>;
/// The gob stream from the host, positioned just after the `ProxyRequest`.
pub type HostDecoder = AsyncDecoder<HostReader>;

/// Why a proxy connection ended early.
#[derive(Debug)]
pub enum Failure {
    /// The request could not be served: logged as a warning, which the host sees.
    Refused(io::Error),
    /// The connection broke while in use (a peer reset it): logged at debug level.
    Broken(io::Error),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Refused(e) | Failure::Broken(e) => e.fmt(f),
        }
    }
}

/// What each network's handler returns.
pub type Outcome = Result<(), Failure>;

/// The limits of the gob stream from the host.
fn host_limits() -> Limits {
    Limits {
        max_message: MAX_MESSAGE,
        max_depth: MAX_DEPTH,
    }
}

/// Serves one proxy connection: reads the `ProxyRequest` and hands the connection to the
/// network's handler. Never panics; every failure is logged and closes the connection.
pub async fn serve(guest: Arc<crate::Guest>, conn: Conn) {
    let (reader, writer) = tokio::io::split(conn);
    let mut decoder = AsyncDecoder::with_limits(reader, host_limits());
    let req = match tokio::time::timeout(REQUEST_TIMEOUT, decoder.decode::<ProxyRequest>()).await {
        Ok(Ok(req)) => req,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "proxy connection: bad ProxyRequest");
            return;
        }
        Err(_) => {
            tracing::warn!(
                timeout = ?REQUEST_TIMEOUT,
                "proxy connection: no ProxyRequest in time"
            );
            return;
        }
    };
    tracing::debug!(network = %req.Network, address = %req.Address, "proxy connection");
    let outcome = match ProxyNetwork::parse(&req.Network) {
        Ok(ProxyNetwork::Stream(net)) => {
            stream::serve(net, &req.Address, decoder.into_inner().unsplit(writer)).await
        }
        Ok(ProxyNetwork::Datagram(net)) => {
            datagram::serve(net, &req.Address, decoder, writer).await
        }
        Ok(ProxyNetwork::File) => file::serve(&req, decoder.into_inner().unsplit(writer)).await,
        Ok(ProxyNetwork::Launch) => launch::serve(&guest, &req, decoder.into_inner(), writer).await,
        Err(unknown) => Err(Failure::Refused(io::Error::new(
            io::ErrorKind::InvalidInput,
            unknown,
        ))),
    };
    match outcome {
        Ok(()) => {
            tracing::debug!(network = %req.Network, address = %req.Address, "proxy connection done")
        }
        Err(Failure::Refused(e)) => tracing::warn!(
            network = %req.Network,
            address = %req.Address,
            error = %e,
            "proxy request failed"
        ),
        Err(Failure::Broken(e)) => tracing::debug!(
            network = %req.Network,
            address = %req.Address,
            error = %e,
            "proxy connection broken"
        ),
    }
}

/// Runs a dial with [`DIAL_TIMEOUT`]; both a failure and a timeout refuse the request.
async fn dial<T>(what: impl std::future::Future<Output = io::Result<T>>) -> Result<T, Failure> {
    match tokio::time::timeout(DIAL_TIMEOUT, what).await {
        Ok(Ok(t)) => Ok(t),
        Ok(Err(e)) => Err(Failure::Refused(e)),
        Err(_) => Err(Failure::Refused(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("dial timed out after {DIAL_TIMEOUT:?}"),
        ))),
    }
}

/// The abstract socket name of a Go-style `@name` unix address, or `None` for a path.
fn abstract_name(address: &str) -> Option<&[u8]> {
    address.strip_prefix('@').map(str::as_bytes)
}
