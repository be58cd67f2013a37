//! Arguments and replies of the `Guest` RPC service (`Guest.Mount` … `Guest.Shutdown`).
//!
//! Go `[]byte` fields use `serde_bytes`, so they are written and read as one byte string rather than
//! byte by byte (the wire bytes are the same).
#![allow(non_snake_case)]

use serde::{Deserialize, Serialize};

/// The reply of `Mount`, `Write`, `Mkdir` and `Shutdown`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

pub use crate::rpc::InvalidRequest;

/// `Guest.Mount(MountRequest, *Empty)`: mount(2); the target must exist.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MountRequest {
    /// Device or filesystem source.
    pub Source: String,
    /// Mount point.
    pub Target: String,
    /// Filesystem type.
    pub FSType: String,
    /// `MS_*` flags, as mount(2).
    pub Flags: u64,
    /// Filesystem-specific options.
    pub Data: String,
}

/// `Guest.Run(RunRequest, *RunResponse)`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRequest {
    /// Program; looked up in PATH when it has no slash.
    pub Command: String,
    /// Arguments after the program.
    pub Args: Vec<String>,
    /// `KEY=VALUE`; empty means the guest's own environment.
    pub Env: Vec<String>,
    /// Working directory; empty means `/`.
    pub Dir: String,
    /// Bytes written to the program's standard input.
    #[serde(with = "serde_bytes")]
    pub Stdin: Vec<u8>,
    /// Go `time.Duration` in nanoseconds; 0 means none.
    pub Timeout: i64,
}

/// The reply of `Guest.Run`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunResponse {
    /// As Go's `ProcessState.ExitCode()`: -1 when ended by a signal.
    pub ExitCode: i64,
    /// Standard output.
    #[serde(with = "serde_bytes")]
    pub Stdout: Vec<u8>,
    /// Standard error.
    #[serde(with = "serde_bytes")]
    pub Stderr: Vec<u8>,
}

/// `Guest.Write(WriteRequest, *Empty)`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteRequest {
    /// File to replace (atomically for regular files, in place for others).
    pub Path: String,
    /// New contents.
    #[serde(with = "serde_bytes")]
    pub Data: Vec<u8>,
    /// Permission bits; 0 means 0644.
    pub Mode: u32,
}

/// `Guest.Mkdir(MkdirRequest, *Empty)`: like `os.MkdirAll`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MkdirRequest {
    /// Directory to create with its parents.
    pub Path: String,
    /// Permission bits; 0 means 0755.
    pub Mode: u32,
}

/// `Guest.Listen(ListenRequest, *ListenResponse)`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListenRequest {
    /// `tcp`, `udp`, `unix` or `unixgram`.
    pub Network: String,
    /// As `net.Listen` / `net.ListenPacket` take it.
    pub Address: String,
    /// Largest datagram read; required (> 0) for `udp` and `unixgram`.
    pub BufferSize: i64,
}

/// The reply of `Guest.Listen`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListenResponse {
    /// The bound address (a port of 0 becomes the real port).
    pub Address: String,
}

/// `Guest.Shutdown(ShutdownRequest, *Empty)`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShutdownRequest {
    /// Restart instead of powering off.
    pub Reboot: bool,
}

/// The service name and its methods.
pub mod methods {
    /// The RPC service name.
    pub const SERVICE: &str = "Guest";
    /// `Guest.Mount`.
    pub const MOUNT: &str = "Guest.Mount";
    /// `Guest.Run`.
    pub const RUN: &str = "Guest.Run";
    /// `Guest.Write`.
    pub const WRITE: &str = "Guest.Write";
    /// `Guest.Mkdir`.
    pub const MKDIR: &str = "Guest.Mkdir";
    /// `Guest.Listen`.
    pub const LISTEN: &str = "Guest.Listen";
    /// `Guest.Shutdown`.
    pub const SHUTDOWN: &str = "Guest.Shutdown";
}
