//! The event stream on host port 1: one `Info`, then `Log`s.
#![allow(non_snake_case)]

use std::collections::BTreeMap;

use gob_codec::Time;
use serde::{Deserialize, Serialize};

/// The first message of each event-stream connection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Info {
    /// The guest's version.
    pub Version: String,
    /// First non-loopback IPv4 address, `""` if none.
    pub IP: String,
}

/// `log/slog` levels.
pub mod level {
    /// Debug.
    pub const DEBUG: i64 = -4;
    /// Info.
    pub const INFO: i64 = 0;
    /// Warn.
    pub const WARN: i64 = 4;
    /// Error.
    pub const ERROR: i64 = 8;
}

/// One log record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Log {
    /// When it happened (sent as Go sends `time.Time`).
    pub Time: Time,
    /// As `log/slog`: -4 debug, 0 info, 4 warn, 8 error.
    pub Level: i64,
    /// The message.
    pub Message: String,
    /// Structured fields (an empty map is sent as a nil Go map).
    pub Attrs: BTreeMap<String, String>,
}
