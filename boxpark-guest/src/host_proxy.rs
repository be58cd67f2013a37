//! Host port 2: sockets opened by `Guest.Listen`, each accepted connection forwarded to the host.
//!
//! `Guest.Listen` ([`crate::rpc::listen`]) binds like Go's `net.Listen` / `net.ListenPacket` and answers with the bound address
//! (the real port for port 0, the path for unix sockets); its errors read like Go's
//! (`listen tcp 127.0.0.1:80: bind: address already in use`). Choices where Go has several:
//!
//! - networks `tcp`, `tcp4`, `tcp6`, `udp`, `udp4`, `udp6`, `unix`, `unixgram`; an empty host
//!   (`":8080"`) is every interface: dual-stack `[::]`, or `0.0.0.0` when the guest has no IPv6;
//!   a host name is resolved and the first address (IPv4 first) is used; ports are numbers (no
//!   service names); an empty port is 0;
//! - a unix path that exists (even a stale socket) fails with `address already in use`, as in Go;
//!   an empty unix path and abstract names are not supported;
//! - `BufferSize` must be > 0 for datagram sockets and is capped at [`MAX_BUFFER_SIZE`]; longer
//!   datagrams are cut, as a short read of a datagram socket does;
//! - at most [`MAX_STREAMS_PER_LISTENER`] forwarded connections per stream socket at once (further
//!   ones wait in the kernel's backlog).
//!
//! Each accepted connection (each peer, for datagram sockets: see [`datagram`]) gets its own
//! connection to host port 2, which starts with a gob [`ConnectionRequest`] from a fresh encoder;
//! stream connections are then spliced byte for byte, half-closes passed on. When host port 2
//! cannot be reached the failure is logged as a warning and that connection (or datagram) is
//! dropped; the socket keeps serving. [`Listeners::close_all`] stops every socket and the
//! connections forwarded from it, and removes the unix socket files it created.

pub mod addr;
pub mod datagram;

use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use boxpark_proto::proxy::ConnectionRequest;
use gob_codec::async_io::AsyncEncoder;
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::Semaphore;
use tokio::task::{AbortHandle, JoinSet};

use crate::transport::{Conn, Transport};

/// Largest datagram buffer a `Listen` may ask for; larger `BufferSize`s are cut to this.
pub const MAX_BUFFER_SIZE: usize = 1 << 20;
/// Most connections forwarded at once from one stream socket.
pub const MAX_STREAMS_PER_LISTENER: usize = 1024;
/// How long dialing host port 2 and sending the `ConnectionRequest` may take.
pub const HOST_DIAL_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause after a failed accept or receive (out of descriptors and the like), so as not to spin.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// The open `Listen` sockets.
#[derive(Default)]
pub struct Listeners {
    registry: Mutex<Registry>,
}

#[derive(Default)]
struct Registry {
    open: Vec<Open>,
    closed: bool,
}

/// One socket's serving task and, for unix sockets, the file that `close_all` removes.
struct Open {
    task: AbortHandle,
    path: Option<PathBuf>,
}

impl Listeners {
    /// Closes every socket (and the connections forwarded from it) and removes the unix socket
    /// files they created. Later `Listen` calls fail.
    pub fn close_all(&self) {
        let open = {
            let mut reg = self.lock();
            reg.closed = true;
            std::mem::take(&mut reg.open)
        };
        for o in open {
            o.task.abort();
            if let Some(path) = o.path {
                remove_socket_file(&path);
            }
        }
    }

    /// Sockets open.
    pub fn len(&self) -> usize {
        self.lock().open.len()
    }

    /// True when no socket is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True once `close_all` ran.
    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    fn lock(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps a socket's task; after `close_all`, stops it at once instead and says so.
    pub(crate) fn register(&self, task: AbortHandle, path: Option<PathBuf>) -> bool {
        let mut reg = self.lock();
        if reg.closed {
            drop(reg);
            task.abort();
            if let Some(path) = path {
                remove_socket_file(&path);
            }
            return false;
        }
        reg.open.push(Open { task, path });
        true
    }
}

fn remove_socket_file(path: &std::path::Path) {
    if let Err(e) = std::fs::remove_file(path) {
        if e.kind() != io::ErrorKind::NotFound {
            tracing::debug!(path = %path.display(), error = %e, "cannot remove a Listen socket file");
        }
    }
}

/// A bound stream socket.
pub(crate) enum StreamListener {
    Tcp(TcpListener),
    /// The listener and its path as requested.
    Unix(UnixListener, String),
}

/// An accepted connection with the addresses its `ConnectionRequest` reports.
struct Accepted {
    conn: Conn,
    local: String,
    remote: String,
}

impl StreamListener {
    async fn accept(&self) -> io::Result<Accepted> {
        match self {
            StreamListener::Tcp(l) => {
                let (conn, peer) = l.accept().await?;
                // As Go does for every TCP connection.
                let _ = conn.set_nodelay(true);
                let local = conn
                    .local_addr()
                    .map(|a| addr::go_socket_addr(&a))
                    .unwrap_or_default();
                Ok(Accepted {
                    conn: Box::new(conn),
                    local,
                    remote: addr::go_socket_addr(&peer),
                })
            }
            StreamListener::Unix(l, path) => {
                let (conn, peer) = l.accept().await?;
                Ok(Accepted {
                    conn: Box::new(conn),
                    // As Go: an accepted unix connection's local address is the listener's path.
                    local: path.clone(),
                    remote: addr::unix_peer(&peer),
                })
            }
        }
    }
}

/// Accepts connections and forwards each to host port 2, until aborted (which stops them all).
pub(crate) async fn serve_streams(
    listener: StreamListener,
    transport: Arc<dyn Transport>,
    template: ConnectionRequest,
) {
    let slots = Arc::new(Semaphore::new(MAX_STREAMS_PER_LISTENER));
    let mut conns = JoinSet::new();
    loop {
        while conns.try_join_next().is_some() {}
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            // Reaps finished connections while the socket is quiet.
            Some(_) = conns.join_next() => continue,
        };
        let accepted = match accepted {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(network = %template.Network, address = %template.ListenAddress, error = %e, "host proxy: accept failed");
                tokio::time::sleep(ACCEPT_RETRY).await;
                continue;
            }
        };
        let req = ConnectionRequest {
            LocalAddress: accepted.local,
            RemoteAddress: accepted.remote,
            ..template.clone()
        };
        let transport = transport.clone();
        conns.spawn(async move {
            forward_stream(transport, req, accepted.conn).await;
            drop(slot);
        });
    }
}

/// Splices one accepted connection with a new connection to host port 2.
async fn forward_stream(transport: Arc<dyn Transport>, req: ConnectionRequest, mut client: Conn) {
    let mut host = match open_host_connection(&*transport, &req).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(
                network = %req.Network, address = %req.ListenAddress, remote = %req.RemoteAddress, error = %e,
                "host proxy: cannot reach host port 2; connection dropped"
            );
            return;
        }
    };
    match crate::splice::splice(&mut client, &mut host).await {
        Ok(copied) => tracing::debug!(
            network = %req.Network, remote = %req.RemoteAddress, up = copied.a_to_b, down = copied.b_to_a,
            "host proxy: connection done"
        ),
        Err(e) => tracing::debug!(
            network = %req.Network, remote = %req.RemoteAddress, error = %e, "host proxy: connection broke"
        ),
    }
}

/// Dials host port 2 and sends the `ConnectionRequest` with a fresh encoder.
async fn open_host_connection(
    transport: &dyn Transport,
    req: &ConnectionRequest,
) -> io::Result<Conn> {
    let open = async {
        let conn = transport
            .dial_host(boxpark_proto::ports::HOST_PROXY_PORT)
            .await?;
        let mut enc = AsyncEncoder::new(conn);
        enc.encode(req).await.map_err(io::Error::other)?;
        Ok(enc.into_inner())
    };
    tokio::time::timeout(HOST_DIAL_TIMEOUT, open)
        .await
        .unwrap_or_else(|_| {
            Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "dialing host port 2 timed out",
            ))
        })
}
