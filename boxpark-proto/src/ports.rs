//! Which vsock port carries what.

/// Guest port: the first connection is the RPC connection, later ones are proxy connections.
pub const GUEST_API_PORT: u32 = 1;
/// Host port the guest dials for the event stream (`Info`, then `Log`s).
pub const HOST_EVENT_PORT: u32 = 1;
/// Host port the guest dials for each connection accepted on a `Listen` socket.
pub const HOST_PROXY_PORT: u32 = 2;
/// The host's vsock context id.
pub const HOST_CID: u32 = 2;
