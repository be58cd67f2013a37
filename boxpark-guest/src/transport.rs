//! How the guest reaches the host: one [`Transport`] abstraction; nothing else knows which one.
//!
//! - [`VsockTransport`]: production. Listens on vsock port 1, dials the host (CID 2).
//! - [`HybridTransport`]: the "hybrid vsock" Unix-socket emulation of Firecracker and
//!   `vhost-device-vsock` (`docs/PROTOCOL.md`, "Transport"), used by every test.

use std::future::Future;
use std::io;
use std::os::fd::AsFd;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, Mutex, Semaphore};

/// A byte stream to or from the host: a socket, whose descriptor [`crate::splice`] uses.
pub trait Stream: AsyncRead + AsyncWrite + AsFd + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + AsFd + Send + Unpin> Stream for T {}

/// A connection on a transport.
pub type Conn = Box<dyn Stream>;

/// A boxed future, so that transports can be trait objects.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Accepting connections to guest port 1 and dialing host ports.
pub trait Transport: Send + Sync + 'static {
    /// The next connection to guest port 1.
    fn accept(&self) -> BoxFuture<'_, io::Result<Conn>>;
    /// A new connection to host port `port`.
    fn dial_host(&self, port: u32) -> BoxFuture<'_, io::Result<Conn>>;
    /// A readable description for logs.
    fn describe(&self) -> String;
}

/// How long a hybrid client may take to send its `CONNECT` line.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest `CONNECT` line accepted.
pub const MAX_HANDSHAKE_LINE: usize = 64;
/// The local port number the guest reports in `OK <n>`: informational only.
pub const HYBRID_OK_PORT: u32 = 1 << 30;
/// Handshaken connections waiting for `accept`.
const ACCEPT_QUEUE: usize = 64;
/// Handshakes in progress at once.
const MAX_HANDSHAKES: usize = 64;

/// The hybrid-vsock emulation over Unix sockets.
pub struct HybridTransport {
    path: PathBuf,
    ready: Mutex<mpsc::Receiver<UnixStream>>,
}

impl HybridTransport {
    /// Listens on `path` (replacing a stale socket file, never another kind of file) and starts
    /// answering `CONNECT` handshakes.
    ///
    /// The socket is bound and listening under a temporary name before it is renamed to `path`,
    /// so a host that waits for `path` to exist can connect at once: between bind(2) and
    /// listen(2) a connect is refused.
    pub fn bind(path: &Path) -> io::Result<Arc<Self>> {
        match std::fs::symlink_metadata(path) {
            Ok(m) if !m.file_type().is_socket() => {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{} exists and is not a socket", path.display()),
                ))
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let mut staging = path.as_os_str().to_owned();
        staging.push("~");
        let staging = PathBuf::from(staging);
        match std::fs::remove_file(&staging) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let listener = UnixListener::bind(&staging)?;
        if let Err(e) = std::fs::rename(&staging, path) {
            let _ = std::fs::remove_file(&staging);
            return Err(e);
        }
        let (tx, rx) = mpsc::channel(ACCEPT_QUEUE);
        tokio::spawn(accept_loop(listener, tx));
        Ok(Arc::new(HybridTransport {
            path: path.to_owned(),
            ready: Mutex::new(rx),
        }))
    }

    /// The socket of host port `port`: `<UDS>_<port>`.
    pub fn host_path(&self, port: u32) -> PathBuf {
        let mut p = self.path.clone().into_os_string();
        p.push(format!("_{port}"));
        PathBuf::from(p)
    }
}

async fn accept_loop(listener: UnixListener, tx: mpsc::Sender<UnixStream>) {
    // Handshakes in progress are bounded too: beyond them, connections wait in the backlog.
    let handshakes = Arc::new(Semaphore::new(MAX_HANDSHAKES));
    loop {
        let Ok(permit) = handshakes.clone().acquire_owned().await else {
            return;
        };
        let conn = match listener.accept().await {
            Ok((conn, _)) => conn,
            Err(e) => {
                tracing::warn!(error = %e, "hybrid transport: accept failed");
                // Out of descriptors and similar: do not spin.
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        if tx.is_closed() {
            return;
        }
        let tx = tx.clone();
        tokio::spawn(async move {
            let _permit = permit;
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake(conn)).await {
                Ok(Ok(conn)) => {
                    let _ = tx.send(conn).await;
                }
                Ok(Err(e)) => tracing::debug!(error = %e, "hybrid transport: handshake refused"),
                Err(_) => tracing::debug!("hybrid transport: handshake timed out"),
            }
        });
    }
}

/// Reads `CONNECT <port>\n` byte by byte (nothing past the newline), answers `OK <n>\n` for port 1.
async fn handshake(mut conn: UnixStream) -> io::Result<UnixStream> {
    let mut line = Vec::with_capacity(16);
    loop {
        let b = conn.read_u8().await?;
        if b == b'\n' {
            break;
        }
        line.push(b);
        if line.len() > MAX_HANDSHAKE_LINE {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "CONNECT line too long",
            ));
        }
    }
    let text = String::from_utf8_lossy(&line);
    let port = text
        .trim_end_matches('\r')
        .strip_prefix("CONNECT ")
        .and_then(|p| p.trim().parse::<u32>().ok());
    match port {
        Some(p) if p == boxpark_proto::ports::GUEST_API_PORT => {
            conn.write_all(format!("OK {HYBRID_OK_PORT}\n").as_bytes())
                .await?;
            Ok(conn)
        }
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("refused hybrid handshake {text:?}"),
        )),
    }
}

impl Transport for HybridTransport {
    fn accept(&self) -> BoxFuture<'_, io::Result<Conn>> {
        Box::pin(async move {
            let mut rx = self.ready.lock().await;
            match rx.recv().await {
                Some(c) => Ok(Box::new(c) as Conn),
                None => Err(io::Error::new(io::ErrorKind::BrokenPipe, "listener closed")),
            }
        })
    }

    fn dial_host(&self, port: u32) -> BoxFuture<'_, io::Result<Conn>> {
        let path = self.host_path(port);
        Box::pin(async move { Ok(Box::new(UnixStream::connect(path).await?) as Conn) })
    }

    fn describe(&self) -> String {
        format!("hybrid:{}", self.path.display())
    }
}

/// Whether a connection from vsock CID `cid` may be served: only the host's.
pub fn host_only(cid: u32) -> bool {
    cid == boxpark_proto::ports::HOST_CID
}

/// Virtio sockets: guest port 1 on any CID, host CID 2. Connections to port 1 from any other
/// CID are refused ([`host_only`]).
pub struct VsockTransport {
    listener: Mutex<tokio_vsock::VsockListener>,
}

impl VsockTransport {
    /// Listens on vsock port 1. Only in a VM: never on a development machine.
    pub fn bind() -> io::Result<Arc<Self>> {
        let addr = tokio_vsock::VsockAddr::new(
            tokio_vsock::VMADDR_CID_ANY,
            boxpark_proto::ports::GUEST_API_PORT,
        );
        let listener = tokio_vsock::VsockListener::bind(addr)?;
        Ok(Arc::new(VsockTransport {
            listener: Mutex::new(listener),
        }))
    }
}

impl Transport for VsockTransport {
    fn accept(&self) -> BoxFuture<'_, io::Result<Conn>> {
        Box::pin(async move {
            let listener = self.listener.lock().await;
            loop {
                let (conn, peer) = listener.accept().await?;
                if host_only(peer.cid()) {
                    return Ok(Box::new(conn) as Conn);
                }
                // A process in this VM (over vsock loopback) or another VM: it could take the RPC
                // slot while the host is away and run commands as root.
                tracing::warn!(
                    peer_cid = peer.cid(),
                    peer_port = peer.port(),
                    "refused a vsock connection to port 1 that is not from the host (CID 2)"
                );
            }
        })
    }

    fn dial_host(&self, port: u32) -> BoxFuture<'_, io::Result<Conn>> {
        Box::pin(async move {
            let addr = tokio_vsock::VsockAddr::new(boxpark_proto::ports::HOST_CID, port);
            Ok(Box::new(tokio_vsock::VsockStream::connect(addr).await?) as Conn)
        })
    }

    fn describe(&self) -> String {
        "vsock".into()
    }
}

#[cfg(test)]
mod tests {
    use super::{host_only, HybridTransport, Transport};
    use std::os::unix::fs::FileTypeExt;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn only_the_host_cid_is_served() {
        assert!(host_only(2));
        // VMADDR_CID_HYPERVISOR, VMADDR_CID_LOCAL (loopback), this or another guest, CID_ANY.
        for cid in [0, 1, 3, 4, 1000, u32::MAX] {
            assert!(!host_only(cid), "CID {cid} served");
        }
    }

    #[tokio::test]
    async fn the_socket_appears_listening_and_replaces_a_stale_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("guest.sock");
        // A stale socket file from an earlier run, with nobody listening on it.
        drop(std::os::unix::net::UnixListener::bind(&path).expect("stale socket"));
        let transport = HybridTransport::bind(&path).expect("bind over the stale socket");
        let kind = std::fs::symlink_metadata(&path)
            .expect("socket file")
            .file_type();
        assert!(kind.is_socket());
        assert!(
            !dir.path().join("guest.sock~").exists(),
            "staging name left behind"
        );
        // Connectable under its final name: the handshake gives a guest port 1 connection.
        let mut host = tokio::net::UnixStream::connect(&path)
            .await
            .expect("connect");
        host.write_all(b"CONNECT 1\n").await.expect("write CONNECT");
        let mut ok = [0u8; 14];
        host.read_exact(&mut ok).await.expect("read OK");
        assert_eq!(&ok, b"OK 1073741824\n");
        transport.accept().await.expect("accepted");
    }

    #[tokio::test]
    async fn a_file_that_is_not_a_socket_is_left_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("guest.sock");
        std::fs::write(&path, b"not a socket").expect("write file");
        let err = HybridTransport::bind(&path).err().expect("bind refused");
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists, "{err}");
        assert_eq!(std::fs::read(&path).expect("file kept"), b"not a socket");
    }
}
