//! `udp` and `unixgram` proxy connections: each datagram is one gob `[]byte` value, per direction.
//!
//! The host's datagrams are read with the request's decoder (the gob stream continues after the
//! `ProxyRequest`); the target's are written back with [`boxpark_proto::proxy::datagram::encode`].
//! The socket is connected to the target, so only the target's datagrams come back.
//!
//! - `udp`: bound to `0.0.0.0:0` or `[::]:0`, whichever matches the target's address family.
//! - `unixgram`: bound to a fresh abstract name `boxpark-guest/proxy/<pid>/<n>` so that the
//!   target can answer (an unbound unix datagram socket cannot receive replies). Abstract names
//!   leave no file behind and vanish with the socket. The target may be a path or, as in Go,
//!   `@name` for an abstract name.
//!
//! Datagrams are at most [`MAX_DATAGRAM`] bytes: a longer one from the target is truncated to that
//! size (the kernel's `recv` semantics); a longer gob message from the host ends the connection.
//! A datagram the target refuses (nobody listening yet, `ECONNREFUSED`, or too large, `EMSGSIZE`)
//! is dropped and the connection goes on. The connection ends when the host closes its side, or
//! after [`IDLE_TIMEOUT`] without a datagram either way.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::network::DatagramNetwork;
use tokio::io::AsyncWriteExt;
use tokio::net::{UdpSocket, UnixDatagram};

use super::{abstract_name, dial, Failure, HostDecoder, HostWriter, Outcome, MAX_DATAGRAM};

/// A datagram connection ends after this long without traffic either way.
pub const IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Abstract names tried before giving up when they are taken.
const BIND_ATTEMPTS: usize = 16;

/// Numbers the abstract names of `unixgram` sockets within this process.
static NEXT_NAME: AtomicU64 = AtomicU64::new(0);

/// A datagram socket connected to the target.
enum Socket {
    Udp(UdpSocket),
    Unix(UnixDatagram),
}

impl Socket {
    async fn send(&self, data: &[u8]) -> io::Result<usize> {
        match self {
            Socket::Udp(s) => s.send(data).await,
            Socket::Unix(s) => s.send(data).await,
        }
    }

    async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Socket::Udp(s) => s.recv(buf).await,
            Socket::Unix(s) => s.recv(buf).await,
        }
    }
}

/// Dials the target and relays datagrams until the host closes or the connection idles out.
pub async fn serve(
    network: DatagramNetwork,
    address: &str,
    mut host_in: HostDecoder,
    mut host_out: HostWriter,
) -> Outcome {
    let socket = match network {
        DatagramNetwork::Udp(_) => Socket::Udp(dial(connect_udp(address)).await?),
        DatagramNetwork::Unixgram => Socket::Unix(dial(async { connect_unixgram(address) }).await?),
    };
    let relayed = relay(&socket, &mut host_in, &mut host_out).await;
    // Closing: the socket is dropped with this function; tell the host we are done writing.
    let _ = host_out.shutdown().await;
    relayed
}

async fn connect_udp(address: &str) -> io::Result<UdpSocket> {
    let mut last = None;
    for target in tokio::net::lookup_host(address).await? {
        let local: SocketAddr = if target.is_ipv4() {
            (std::net::Ipv4Addr::UNSPECIFIED, 0).into()
        } else {
            (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let attempt = async {
            let socket = UdpSocket::bind(local).await?;
            socket.connect(target).await?;
            Ok::<_, io::Error>(socket)
        };
        match attempt.await {
            Ok(socket) => return Ok(socket),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!("no address for {address:?}"),
        )
    }))
}

/// A unix datagram socket bound to a fresh abstract name and connected to `address`.
fn connect_unixgram(address: &str) -> io::Result<UnixDatagram> {
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::net::{SocketAddr, UnixDatagram as StdDatagram};

    let mut bound = None;
    for _ in 0..BIND_ATTEMPTS {
        let n = NEXT_NAME.fetch_add(1, Ordering::Relaxed);
        let name = format!("boxpark-guest/proxy/{}/{n}", std::process::id());
        match StdDatagram::bind_addr(&SocketAddr::from_abstract_name(name.as_bytes())?) {
            Ok(s) => {
                bound = Some(s);
                break;
            }
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => continue,
            Err(e) => return Err(e),
        }
    }
    let socket = bound
        .ok_or_else(|| io::Error::new(io::ErrorKind::AddrInUse, "no free abstract socket name"))?;
    // Connecting a datagram socket only records the peer: it does not block.
    match abstract_name(address) {
        Some(name) => socket.connect_addr(&SocketAddr::from_abstract_name(name)?)?,
        None => socket.connect(address)?,
    }
    socket.set_nonblocking(true)?;
    UnixDatagram::from_std(socket)
}

/// Whether a failed send loses only that datagram.
fn dropped_datagram(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::ConnectionRefused || e.raw_os_error() == Some(libc::EMSGSIZE)
}

async fn relay(socket: &Socket, host_in: &mut HostDecoder, host_out: &mut HostWriter) -> Outcome {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    let mut frame = Vec::with_capacity(MAX_DATAGRAM + 16);
    loop {
        tokio::select! {
            // Cancel safe: a datagram half read is kept for the next round.
            from_host = host_in.decode::<Vec<u8>>() => match from_host {
                Ok(data) => match socket.send(&data).await {
                    Ok(_) => {}
                    Err(e) if dropped_datagram(&e) => {
                        tracing::debug!(error = %e, len = data.len(), "datagram dropped");
                    }
                    Err(e) => return Err(Failure::Broken(e)),
                },
                Err(e) if e.is_eof() => return Ok(()),
                Err(e) => return Err(Failure::Broken(io::Error::new(io::ErrorKind::InvalidData, e.to_string()))),
            },
            from_target = socket.recv(&mut buf) => match from_target {
                Ok(n) => {
                    frame.clear();
                    boxpark_proto::proxy::datagram::encode(&mut frame, &buf[..n]);
                    match tokio::time::timeout(IDLE_TIMEOUT, host_out.write_all(&frame)).await {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => return Err(Failure::Broken(e)),
                        Err(_) => return Err(Failure::Broken(io::Error::new(io::ErrorKind::TimedOut, "host stopped reading"))),
                    }
                }
                // An ICMP "port unreachable" for an earlier datagram: nothing is lost now.
                Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {}
                Err(e) => return Err(Failure::Broken(e)),
            },
            _ = tokio::time::sleep(IDLE_TIMEOUT) => {
                tracing::debug!(timeout = ?IDLE_TIMEOUT, "datagram connection idle: closing");
                return Ok(());
            }
        }
    }
}
