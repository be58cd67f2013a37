//! The `Guest` RPC service. (Being written.)

use std::sync::Arc;

use crate::transport::Conn;

/// Serves the RPC connection.
pub async fn serve(_guest: Arc<crate::Guest>, _conn: Conn) -> std::io::Result<()> {
    Ok(())
}
