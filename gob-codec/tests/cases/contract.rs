//! Rust mirrors of the Boxpark contract messages (`interop-go/contract`) and of net/rpc's headers.

use std::collections::HashMap;

use gob_codec::Time;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Empty {}

/// Go's anonymous `struct{}`, which net/rpc replies with on errors: an unnamed type.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename = "struct {}")]
pub struct AnonEmpty {}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct MountRequest {
    pub Source: String,
    pub Target: String,
    pub FSType: String,
    pub Flags: u64,
    pub Data: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct RunRequest {
    pub Command: String,
    pub Args: Vec<String>,
    pub Env: Vec<String>,
    pub Dir: String,
    pub Stdin: Vec<u8>,
    /// `time.Duration`, nanoseconds.
    pub Timeout: i64,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct RunResponse {
    pub ExitCode: i64,
    pub Stdout: Vec<u8>,
    pub Stderr: Vec<u8>,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct WriteRequest {
    pub Path: String,
    pub Data: Vec<u8>,
    pub Mode: u32,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct MkdirRequest {
    pub Path: String,
    pub Mode: u32,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct ListenRequest {
    pub Network: String,
    pub Address: String,
    pub BufferSize: i64,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct ListenResponse {
    pub Address: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct ShutdownRequest {
    pub Reboot: bool,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct ProxyRequest {
    pub Network: String,
    pub Address: String,
    pub LocalAddress: String,
    pub Args: Vec<String>,
    pub Env: Vec<String>,
    pub Dir: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct LaunchOutput {
    pub Stream: i64,
    pub Lines: Vec<String>,
    pub Exited: bool,
    pub ExitCode: i64,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Info {
    pub Version: String,
    pub IP: String,
}

/// `Attrs` is a Go map: nil (omitted) and empty (sent) differ, which `Option` keeps.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Log {
    pub Time: Time,
    pub Level: i64,
    pub Message: String,
    pub Attrs: Option<HashMap<String, String>>,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct ConnectionRequest {
    pub Network: String,
    pub ListenAddress: String,
    pub LocalAddress: String,
    pub RemoteAddress: String,
}

/// net/rpc's request header.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Request {
    pub ServiceMethod: String,
    pub Seq: u64,
}

/// net/rpc's response header.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Response {
    pub ServiceMethod: String,
    pub Seq: u64,
    pub Error: String,
}
