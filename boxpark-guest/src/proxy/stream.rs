//! `tcp` and `unix` proxy connections: dial the target, then splice bytes both ways
//! ([`crate::splice`]: half-closes are passed on either way). Both sockets are closed when both
//! directions are done or either fails.

use std::io;
use std::os::fd::AsFd;

use tokio::net::{TcpStream, UnixStream};

use super::{abstract_name, dial, Failure, Outcome};
use crate::network::StreamNetwork;
use crate::transport::Conn;

/// Dials `address` on `network` and splices it with the host's connection.
pub async fn serve(network: StreamNetwork, address: &str, conn: Conn) -> Outcome {
    match network {
        StreamNetwork::Tcp(_) => {
            let target = dial(TcpStream::connect(address)).await?;
            // Go's net package sets TCP_NODELAY on every TCP connection; so does this guest.
            target.set_nodelay(true).map_err(Failure::Refused)?;
            splice(conn, target).await
        }
        StreamNetwork::Unix => splice(conn, dial(connect_unix(address)).await?).await,
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

/// Splices until both directions have ended; then both sockets are closed (dropped).
async fn splice<T: AsFd>(mut conn: Conn, mut target: T) -> Outcome {
    match crate::splice::splice(&mut conn, &mut target).await {
        Ok(copied) => {
            tracing::debug!(
                to_target = copied.a_to_b,
                to_host = copied.b_to_a,
                "splice done"
            );
            Ok(())
        }
        Err(e) => Err(Failure::Broken(e)),
    }
}
