//! Guest proxy connections. (Being written.)

use std::sync::Arc;

use crate::transport::Conn;

/// Serves one proxy connection.
pub async fn serve(_guest: Arc<crate::Guest>, _conn: Conn) {}
