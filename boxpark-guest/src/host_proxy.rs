//! Host port 2: sockets opened by `Guest.Listen`, each accepted connection forwarded to the host.
//! (Being written.)

/// The open `Listen` sockets.
#[derive(Default)]
pub struct Listeners {}

impl Listeners {
    /// Closes every socket.
    pub fn close_all(&self) {}
}
