//! Mirrors of the contract messages for the crates.io `gob` 0.1 crate (the peer of gob-codec),
//! shared by `tests/gob_peer.rs` and `benches/contract.rs` (which includes this file by path).
//!
//! The peer needs its own types for three reasons:
//! - it leaves a field Go omitted (a zero value) unvisited, so serde's derive fails with "missing
//!   field" unless the type has `#[serde(default)]`;
//! - its encoder learns a type's gob definition from `serde_schema::SchemaSerialize`, which has to
//!   be derived on the type itself (`serde_schema_derive`), so boxpark-proto's types cannot be used;
//! - that derive registers a `Vec<u8>` as a slice of `uint8` even with
//!   `#[serde(with = "serde_bytes")]`, so Go's `[]byte` needs [`GoBytes`], whose schema is gob's
//!   predefined `[]byte`.
//!
//! Log has no mirror: the peer has no `time.Time` (a GobEncoder type in Go), neither to read nor to
//! write.
#![allow(non_snake_case, dead_code)]

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_schema_derive::SchemaSerialize;

/// Go's `[]byte` for the peer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoBytes(pub Vec<u8>);

impl Serialize for GoBytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for GoBytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde_bytes::ByteBuf::deserialize(d).map(|b| GoBytes(b.into_vec()))
    }
}

impl serde_schema::SchemaSerialize for GoBytes {
    fn schema_register<S: serde_schema::Schema>(_: &mut S) -> Result<S::TypeId, S::Error> {
        Ok(<S::TypeId as serde_schema::types::TypeId>::BYTES)
    }
}

/// `proxy::ProxyRequest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, SchemaSerialize)]
#[serde(default)]
pub struct ProxyRequest {
    pub Network: String,
    pub Address: String,
    pub LocalAddress: String,
    pub Args: Vec<String>,
    pub Env: Vec<String>,
    pub Dir: String,
}

impl From<&boxpark_proto::proxy::ProxyRequest> for ProxyRequest {
    fn from(v: &boxpark_proto::proxy::ProxyRequest) -> Self {
        ProxyRequest {
            Network: v.Network.clone(),
            Address: v.Address.clone(),
            LocalAddress: v.LocalAddress.clone(),
            Args: v.Args.clone(),
            Env: v.Env.clone(),
            Dir: v.Dir.clone(),
        }
    }
}

/// `proxy::LaunchOutput`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, SchemaSerialize)]
#[serde(default)]
pub struct LaunchOutput {
    pub Stream: i64,
    pub Lines: Vec<String>,
    pub Exited: bool,
    pub ExitCode: i64,
}

impl From<&boxpark_proto::proxy::LaunchOutput> for LaunchOutput {
    fn from(v: &boxpark_proto::proxy::LaunchOutput) -> Self {
        LaunchOutput {
            Stream: v.Stream,
            Lines: v.Lines.clone(),
            Exited: v.Exited,
            ExitCode: v.ExitCode,
        }
    }
}

/// `api::RunResponse`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, SchemaSerialize)]
#[serde(default)]
pub struct RunResponse {
    pub ExitCode: i64,
    pub Stdout: GoBytes,
    pub Stderr: GoBytes,
}

impl From<&boxpark_proto::api::RunResponse> for RunResponse {
    fn from(v: &boxpark_proto::api::RunResponse) -> Self {
        RunResponse {
            ExitCode: v.ExitCode,
            Stdout: GoBytes(v.Stdout.clone()),
            Stderr: GoBytes(v.Stderr.clone()),
        }
    }
}

/// One fresh peer stream (its definitions, then `v`), as `gob::StreamSerializer` writes it.
pub fn peer_encode<T: serde_schema::SchemaSerialize>(v: &T) -> Result<Vec<u8>, gob::Error> {
    let mut s = gob::StreamSerializer::new_with_write(Vec::new());
    s.serialize(v)?;
    Ok(s.into_inner().into_inner())
}

/// The first value of `bytes` through the peer's `StreamDeserializer` (`Ok(None)`: no value).
pub fn peer_decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<Option<T>, gob::Error> {
    gob::StreamDeserializer::new(bytes).deserialize::<T>()
}
