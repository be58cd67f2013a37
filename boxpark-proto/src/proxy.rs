//! What starts a proxy connection, in each direction, and what `launch` connections carry.
#![allow(non_snake_case)]

use serde::{Deserialize, Serialize};

/// The first gob value on a guest proxy connection (guest port 1, after the RPC connection).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProxyRequest {
    /// `tcp`, `udp`, `unix`, `unixgram`, `file` or `launch`.
    pub Network: String,
    /// What to dial; the file path for `file`; the program for `launch`.
    pub Address: String,
    /// The host side's address; informational, unused by the guest.
    pub LocalAddress: String,
    /// `launch` only: arguments after the program.
    pub Args: Vec<String>,
    /// `launch` only: `KEY=VALUE`; empty means the guest's own environment.
    pub Env: Vec<String>,
    /// `launch` only: working directory.
    pub Dir: String,
}

/// The first gob value on each connection the guest opens to host port 2.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionRequest {
    /// As in the `ListenRequest`.
    pub Network: String,
    /// The address the `Listen` request asked for.
    pub ListenAddress: String,
    /// The accepted connection's local address in the guest.
    pub LocalAddress: String,
    /// Its peer (`""` for an unnamed unix peer).
    pub RemoteAddress: String,
}

/// A batch of output lines from a `launch` proxy connection; the last one has `Exited` set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchOutput {
    /// 1 stdout, 2 stderr; 0 on the final message.
    pub Stream: i64,
    /// Complete lines without their newline (a final partial line counts as a line).
    pub Lines: Vec<String>,
    /// Set on the final message.
    pub Exited: bool,
    /// As in `RunResponse`, on the final message.
    pub ExitCode: i64,
}

/// Lines per batch, bytes per batch, and how long the first line of a batch may wait.
pub mod batch {
    /// A batch goes out when it holds this many lines.
    pub const MAX_LINES: usize = 64;
    /// … or this many bytes.
    pub const MAX_BYTES: usize = 64 * 1024;
    /// … or this long after its first line.
    pub const MAX_DELAY: std::time::Duration = std::time::Duration::from_millis(100);
}

/// A datagram on a `udp`/`unixgram` proxy or host-proxy connection: one gob value of Go type
/// `[]byte` (predefined, so no type definition precedes it).
pub mod datagram {
    /// Appends the gob message for one datagram (gob-codec's `[]byte` writer: length, type id 5,
    /// singleton `0`, byte string). It is the same message at any point of the stream, after a
    /// `ProxyRequest` or `ConnectionRequest` that an encoder wrote as well.
    pub fn encode(out: &mut Vec<u8>, data: &[u8]) {
        gob_codec::append_bytes_value(out, data);
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn matches_the_codec() {
            for n in [0usize, 1, 127, 128, 300, 70_000] {
                let data: Vec<u8> = (0..n).map(|i| i as u8).collect();
                let mut ours = Vec::new();
                super::encode(&mut ours, &data);
                let codec = gob_codec::to_vec(&data).expect("encode");
                assert_eq!(ours, codec, "{n}");
            }
        }
    }
}
