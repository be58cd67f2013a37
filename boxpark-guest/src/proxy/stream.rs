//! `tcp` and `unix` proxy connections: dial the target, then splice bytes both ways.
//!
//! When one side reaches end of stream, the other side's write half is shut down and the other
//! direction goes on until it ends too, so a half-close is passed on either way. Both sockets are
//! closed when both directions are done or either fails.

use std::io;

use boxpark_proto::proxy::ProxyRequest;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpStream, UnixStream};

use super::{abstract_name, dial, Failure, Outcome};
use crate::transport::Conn;

/// Buffer size of each direction of a splice.
pub const SPLICE_BUFFER: usize = 64 << 10;

/// Dials `req.Address` (`tcp` or `unix`) and splices it with the host's connection.
pub async fn serve(req: &ProxyRequest, conn: Conn) -> Outcome {
    match req.Network.as_str() {
        "tcp" => {
            let target = dial(TcpStream::connect(req.Address.as_str())).await?;
            // Go's net package sets TCP_NODELAY on every TCP connection; so does this guest.
            target.set_nodelay(true).map_err(Failure::Refused)?;
            splice(conn, target).await
        }
        "unix" => splice(conn, dial(connect_unix(&req.Address)).await?).await,
        other => Err(Failure::Refused(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a stream network: {other:?}"),
        ))),
    }
}

/// Connects to a unix stream socket: a path, or `@name` for an abstract name as in Go.
async fn connect_unix(address: &str) -> io::Result<UnixStream> {
    let Some(name) = abstract_name(address) else {
        return UnixStream::connect(address).await;
    };
    let name = name.to_vec();
    // std connects in blocking mode (a full backlog blocks), so off the runtime's threads.
    let std_stream = tokio::task::spawn_blocking(move || {
        use std::os::linux::net::SocketAddrExt;
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(&name)?;
        std::os::unix::net::UnixStream::connect_addr(&addr)
    })
    .await
    .map_err(io::Error::other)??;
    std_stream.set_nonblocking(true)?;
    UnixStream::from_std(std_stream)
}

/// Copies both ways until both directions have ended, passing each end of stream on as a
/// shutdown of the other side's write half; then both sockets are closed (dropped).
async fn splice<T>(mut conn: Conn, mut target: T) -> Outcome
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let copied = tokio::io::copy_bidirectional_with_sizes(
        &mut conn,
        &mut target,
        SPLICE_BUFFER,
        SPLICE_BUFFER,
    )
    .await;
    match copied {
        Ok((to_target, to_host)) => {
            tracing::debug!(to_target, to_host, "splice done");
            Ok(())
        }
        Err(e) => Err(Failure::Broken(e)),
    }
}
