//! Datagram sockets opened by `Guest.Listen`: a host connection per peer, gob `[]byte` both ways.
//!
//! Each peer address gets a session: a connection to host port 2 that starts with a
//! `ConnectionRequest` (`RemoteAddress` the peer), then carries each datagram from the peer as one
//! gob `[]byte` value; the `[]byte` values the host writes on it go back to that peer with
//! `send_to`. A session ends after [`SESSION_IDLE_TIMEOUT`] without a datagram either way, when the
//! host closes it, or when host port 2 cannot be reached (logged as a warning; the peer's next
//! datagram tries again). A socket keeps at most [`MAX_SESSIONS`]; a new peer beyond that closes
//! the session that was idle longest (with a warning). Unnamed unix peers (senders that never
//! bound, as `systemd-notify` does) cannot be answered: they all share one session with
//! `RemoteAddress ""`, and what the host writes on it is dropped (logged at debug level). A
//! session holds at most [`SESSION_QUEUE`] datagrams waiting for the host; more are dropped, as a
//! full socket buffer drops them.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use boxpark_proto::proxy::{datagram, ConnectionRequest};
use gob_codec::async_io::AsyncDecoder;
use tokio::io::AsyncWriteExt;
use tokio::net::{UdpSocket, UnixDatagram};
use tokio::sync::mpsc;
use tokio::task::{AbortHandle, JoinSet};

use super::{addr, open_host_connection, ACCEPT_RETRY};
use crate::transport::Transport;

/// A session with no datagram either way for this long is closed.
pub const SESSION_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Most sessions (peers) per socket.
pub const MAX_SESSIONS: usize = 1024;
/// Datagrams a session holds while its host connection is busy or being dialed.
pub const SESSION_QUEUE: usize = 64;

/// A bound datagram socket and the local address its `ConnectionRequest`s report.
pub enum Socket {
    /// A UDP socket.
    Udp(UdpSocket, String),
    /// A unix datagram socket and its path.
    Unix(UnixDatagram, String),
}

/// Who sent a datagram.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Peer {
    Ip(SocketAddr),
    Path(PathBuf),
    /// A unix peer without a name: cannot be answered.
    Unnamed,
}

impl Peer {
    fn address(&self) -> String {
        match self {
            Peer::Ip(a) => addr::go_socket_addr(a),
            Peer::Path(p) => p.display().to_string(),
            Peer::Unnamed => String::new(),
        }
    }
}

impl Socket {
    async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, Peer)> {
        match self {
            Socket::Udp(s, _) => {
                let (n, a) = s.recv_from(buf).await?;
                Ok((n, Peer::Ip(a)))
            }
            Socket::Unix(s, _) => {
                let (n, a) = s.recv_from(buf).await?;
                let peer = match a.as_pathname() {
                    Some(p) => Peer::Path(p.to_owned()),
                    None => Peer::Unnamed,
                };
                Ok((n, peer))
            }
        }
    }

    /// Sends to a named peer; the caller has ruled out `Unnamed`.
    async fn send_to(&self, data: &[u8], peer: &Peer) -> io::Result<()> {
        let sent = match (self, peer) {
            (Socket::Udp(s, _), Peer::Ip(a)) => s.send_to(data, a).await?,
            (Socket::Unix(s, _), Peer::Path(p)) => s.send_to(data, p).await?,
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "no address to reply to",
                ))
            }
        };
        if sent < data.len() {
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                "datagram cut short",
            ));
        }
        Ok(())
    }

    fn local_address(&self) -> &str {
        match self {
            Socket::Udp(_, a) | Socket::Unix(_, a) => a,
        }
    }
}

/// When a session last carried a datagram.
struct Activity {
    base: Instant,
    last_ms: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Activity {
            base: Instant::now(),
            last_ms: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.base.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    fn idle(&self) -> Duration {
        let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
        self.base.elapsed().saturating_sub(last)
    }
}

/// The receiving loop's handle on a session.
struct Session {
    id: u64,
    tx: mpsc::Sender<Vec<u8>>,
    activity: Arc<Activity>,
    abort: AbortHandle,
}

/// Receives datagrams and passes each to its peer's session, until aborted (which ends them all).
pub async fn serve(
    socket: Socket,
    buffer_size: usize,
    transport: Arc<dyn Transport>,
    template: ConnectionRequest,
) {
    let socket = Arc::new(socket);
    let mut buf = vec![0u8; buffer_size.max(1)];
    let mut sessions: HashMap<Peer, Session> = HashMap::new();
    let mut tasks: JoinSet<(Peer, u64)> = JoinSet::new();
    let mut next_id = 0u64;
    loop {
        let received = tokio::select! {
            r = socket.recv_from(&mut buf) => r,
            Some(done) = tasks.join_next() => {
                if let Ok((peer, id)) = done {
                    if sessions.get(&peer).is_some_and(|s| s.id == id) {
                        sessions.remove(&peer);
                    }
                }
                continue;
            }
        };
        let (n, peer) = match received {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(network = %template.Network, address = %template.ListenAddress, error = %e, "host proxy: receive failed");
                tokio::time::sleep(ACCEPT_RETRY).await;
                continue;
            }
        };
        if sessions.get(&peer).is_some_and(|s| s.tx.is_closed()) {
            sessions.remove(&peer);
        }
        if !sessions.contains_key(&peer) {
            if sessions.len() >= MAX_SESSIONS {
                evict_idlest(&mut sessions, &template);
            }
            next_id += 1;
            let activity = Arc::new(Activity::new());
            let (tx, rx) = mpsc::channel(SESSION_QUEUE);
            let req = ConnectionRequest {
                LocalAddress: socket.local_address().to_owned(),
                RemoteAddress: peer.address(),
                ..template.clone()
            };
            let (id, key) = (next_id, peer.clone());
            let run = session(
                transport.clone(),
                req,
                socket.clone(),
                peer.clone(),
                rx,
                activity.clone(),
            );
            let abort = tasks.spawn(async move {
                run.await;
                (key, id)
            });
            sessions.insert(
                peer.clone(),
                Session {
                    id,
                    tx,
                    activity,
                    abort,
                },
            );
        }
        if let Some(s) = sessions.get(&peer) {
            s.activity.touch();
            if s.tx.try_send(buf[..n].to_vec()).is_err() {
                tracing::debug!(remote = %peer.address(), "host proxy: datagram dropped, its session is busy");
            }
        }
    }
}

/// Closes the session idle longest, to make room for a new peer.
fn evict_idlest(sessions: &mut HashMap<Peer, Session>, template: &ConnectionRequest) {
    let idlest = sessions
        .iter()
        .max_by_key(|(_, s)| s.activity.idle())
        .map(|(p, _)| p.clone());
    if let Some(peer) = idlest.and_then(|p| sessions.remove_entry(&p)) {
        peer.1.abort.abort();
        tracing::warn!(
            network = %template.Network, address = %template.ListenAddress, closed = %peer.0.address(),
            "host proxy: too many datagram peers; closed the session idle longest"
        );
    }
}

/// One peer's host connection: datagrams up as gob `[]byte`, the host's `[]byte`s back to the peer.
async fn session(
    transport: Arc<dyn Transport>,
    req: ConnectionRequest,
    socket: Arc<Socket>,
    peer: Peer,
    mut rx: mpsc::Receiver<Vec<u8>>,
    activity: Arc<Activity>,
) {
    let conn = match open_host_connection(&*transport, &req).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(
                network = %req.Network, address = %req.ListenAddress, remote = %req.RemoteAddress, error = %e,
                "host proxy: cannot reach host port 2; datagrams dropped"
            );
            return;
        }
    };
    let (reader, mut writer) = tokio::io::split(conn);
    let mut dec = AsyncDecoder::new(reader);
    let up = async {
        let mut frame = Vec::new();
        while let Some(data) = rx.recv().await {
            frame.clear();
            datagram::encode(&mut frame, &data);
            writer.write_all(&frame).await?;
            activity.touch();
        }
        Ok::<(), io::Error>(())
    };
    let down = async {
        loop {
            let data: Vec<u8> = match dec.decode().await {
                Ok(d) => d,
                Err(e) if e.is_eof() => return Ok(()),
                Err(e) => return Err(io::Error::other(e)),
            };
            activity.touch();
            if peer == Peer::Unnamed {
                tracing::debug!(network = %req.Network, address = %req.ListenAddress, len = data.len(), "host proxy: reply to an unnamed peer dropped");
                continue;
            }
            if let Err(e) = socket.send_to(&data, &peer).await {
                tracing::debug!(remote = %req.RemoteAddress, error = %e, "host proxy: reply not delivered");
            }
        }
    };
    let idle = async {
        loop {
            let left = SESSION_IDLE_TIMEOUT.saturating_sub(activity.idle());
            if left.is_zero() {
                return;
            }
            tokio::time::sleep(left).await;
        }
    };
    let why = tokio::select! {
        r = up => r.map(|()| "closed"),
        r = down => r.map(|()| "the host closed it"),
        () = idle => Ok("idle"),
    };
    match why {
        Ok(why) => {
            tracing::debug!(network = %req.Network, remote = %req.RemoteAddress, why, "host proxy: datagram session ended")
        }
        Err(e) => {
            tracing::debug!(network = %req.Network, remote = %req.RemoteAddress, error = %e, "host proxy: datagram session broke")
        }
    }
}
