//! `file` proxy connections: the file's bytes, then the guest closes.
//!
//! The file is opened read-only and read to its end. A file that cannot be opened or read (missing,
//! a directory, no permission) is logged and the connection closed; since the host cannot tell a
//! truncated file from a short one, a read error is logged as a warning too. A host that hangs up
//! early only ends the copy.

use std::io;

use boxpark_proto::proxy::ProxyRequest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{Failure, Outcome};
use crate::transport::Conn;

/// Bytes read from the file at a time (one blocking read each).
pub const FILE_BUFFER: usize = 256 << 10;

/// Streams the file at `req.Address` to the host, then shuts down the write half.
pub async fn serve(req: &ProxyRequest, mut conn: Conn) -> Outcome {
    let mut file = tokio::fs::File::open(&req.Address)
        .await
        .map_err(Failure::Refused)?;
    let mut buf = vec![0u8; FILE_BUFFER];
    let mut total: u64 = 0;
    loop {
        let n = match file.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(Failure::Refused(io::Error::new(
                    e.kind(),
                    format!("reading after {total} bytes: {e}"),
                )))
            }
        };
        conn.write_all(&buf[..n]).await.map_err(Failure::Broken)?;
        total += n as u64;
    }
    conn.shutdown().await.map_err(Failure::Broken)?;
    tracing::debug!(bytes = total, "file sent");
    Ok(())
}
