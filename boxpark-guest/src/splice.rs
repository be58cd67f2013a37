//! Splicing two byte streams: what `tcp` and `unix` guest proxies and the host proxy's stream
//! connections do once both ends are open.
//!
//! Bytes are copied both ways until both directions have ended; the end of one direction is
//! passed on as a shutdown of the other side's write half (a half-close), and the other
//! direction goes on. Both streams are closed by the caller (dropped) when this returns.

use std::io;

use tokio::io::{AsyncRead, AsyncWrite};

/// Buffer size of each direction.
pub const BUFFER: usize = 64 << 10;

/// Bytes copied each way: from `a` to `b`, and from `b` to `a`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Copied {
    /// From `a` to `b`.
    pub a_to_b: u64,
    /// From `b` to `a`.
    pub b_to_a: u64,
}

/// Copies between `a` and `b` until both directions end, or either fails.
pub async fn splice<A, B>(a: &mut A, b: &mut B) -> io::Result<Copied>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    let (a_to_b, b_to_a) = tokio::io::copy_bidirectional_with_sizes(a, b, BUFFER, BUFFER).await?;
    Ok(Copied { a_to_b, b_to_a })
}
