//! `tokio_util::codec` adapters: [`GobCodec`] for typed values, [`ValueCodec`] for dynamic ones.
//!
//! One gob value may take several messages (definitions in front of it, and an interface value whose
//! concrete type is new continues after the definitions Go sends in the middle of it). The decoders
//! here keep the stream's type definitions and answer `Ok(None)` until every message of the next value
//! is buffered; an attempt that runs out of bytes leaves the definitions as they were. Each message
//! length is checked against [`Limits::max_message`] as soon as its prefix is in, before anything is
//! reserved for the body.
//!
//! ```
//! use futures::{SinkExt, StreamExt};
//! use gob_codec::codec::GobCodec;
//! use tokio_util::codec::{FramedRead, FramedWrite};
//!
//! #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
//! struct Point { X: i64, Y: i64 }
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let mut out = FramedWrite::new(Vec::new(), GobCodec::<Point>::new());
//! out.send(&Point { X: 1, Y: 2 }).await.unwrap();
//! out.send(&Point { X: 3, Y: 4 }).await.unwrap();
//! let bytes = out.into_inner();
//!
//! let mut input = FramedRead::new(&bytes[..], GobCodec::<Point>::new());
//! assert_eq!(input.next().await.unwrap().unwrap(), Point { X: 1, Y: 2 });
//! assert_eq!(input.next().await.unwrap().unwrap(), Point { X: 3, Y: 4 });
//! assert!(input.next().await.is_none());
//! # });
//! ```

use std::fmt;
use std::marker::PhantomData;

use bytes::{Buf, BytesMut};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::de::decode_root;
use crate::error::{Error, Result};
use crate::ser::{Encoder, EncoderOptions};
use crate::stream::buffered::{Step, StreamState};
use crate::stream::{DecodeFn, Limits};
use crate::types::TypeTable;
use crate::value::Value;

/// Reserve at most this much ahead for a message body; the rest grows as bytes arrive, so an
/// announced length (already capped by the limit) costs memory only when it is really sent.
const RESERVE_AHEAD: usize = 1 << 20;

fn decode_buf<T>(
    state: &mut StreamState,
    src: &mut BytesMut,
    decode: DecodeFn<T>,
) -> Result<Option<T>> {
    match state.step(src, decode)? {
        Step::Value(v, used) => {
            src.advance(used);
            Ok(Some(v))
        }
        Step::Need(n) => {
            src.reserve(n.min(RESERVE_AHEAD));
            Ok(None)
        }
        Step::Failed(e, used) => {
            src.advance(used);
            Err(e)
        }
    }
}

fn decode_buf_eof<T>(
    state: &mut StreamState,
    src: &mut BytesMut,
    decode: DecodeFn<T>,
) -> Result<Option<T>> {
    match decode_buf(state, src, decode)? {
        Some(v) => Ok(Some(v)),
        None if src.is_empty() => Ok(None),
        None => Err(state.truncated(src.len())),
    }
}

/// A `tokio_util` codec for a stream of `T`: decodes as Go's `gob.Decoder` and encodes as one Go
/// `gob.Encoder` (definitions once per stream), byte for byte.
///
/// Decoding and encoding keep separate state, as the two directions of a connection are separate gob
/// streams. Use one codec per direction.
pub struct GobCodec<T> {
    de: StreamState,
    enc: Encoder<Vec<u8>>,
    _t: PhantomData<fn(T) -> T>,
}

impl<T> GobCodec<T> {
    /// A codec with default limits and encoder options.
    pub fn new() -> Self {
        Self::with_config(Limits::default(), EncoderOptions::default())
    }

    /// A codec with the given decoder limits.
    pub fn with_limits(limits: Limits) -> Self {
        Self::with_config(limits, EncoderOptions::default())
    }

    /// A codec with the given decoder limits and encoder options.
    pub fn with_config(limits: Limits, opts: EncoderOptions) -> Self {
        GobCodec {
            de: StreamState::new(limits),
            enc: Encoder::with_options(Vec::new(), opts),
            _t: PhantomData,
        }
    }

    /// The type definitions decoded so far.
    pub fn types(&self) -> &TypeTable {
        self.de.types()
    }

    /// Bytes of the input stream consumed by decoded values so far.
    pub fn offset(&self) -> u64 {
        self.de.offset
    }
}

impl<T> Default for GobCodec<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for GobCodec<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GobCodec")
            .field("offset", &self.de.offset)
            .field("limits", &self.de.limits())
            .finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned> tokio_util::codec::Decoder for GobCodec<T> {
    type Item = T;
    type Error = Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<T>> {
        decode_buf(&mut self.de, src, decode_root::<T>)
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<T>> {
        decode_buf_eof(&mut self.de, src, decode_root::<T>)
    }
}

impl<T> GobCodec<T> {
    fn encode_to<U>(&mut self, item: &U, dst: &mut BytesMut) -> Result<()>
    where
        U: Serialize + Deserialize<'static>,
    {
        self.enc.get_mut().clear();
        self.enc.encode(item)?;
        dst.extend_from_slice(self.enc.get_ref());
        self.enc.get_mut().clear();
        Ok(())
    }
}

impl<T> tokio_util::codec::Encoder<&T> for GobCodec<T>
where
    T: Serialize + Deserialize<'static>,
{
    type Error = Error;

    fn encode(&mut self, item: &T, dst: &mut BytesMut) -> Result<()> {
        self.encode_to(item, dst)
    }
}

impl<T> tokio_util::codec::Encoder<T> for GobCodec<T>
where
    T: Serialize + Deserialize<'static>,
{
    type Error = Error;

    fn encode(&mut self, item: T, dst: &mut BytesMut) -> Result<()> {
        self.encode_to(&item, dst)
    }
}

/// A `tokio_util` decoder yielding dynamic [`Value`]s, for streams whose Rust types are not known.
///
/// [`ValueCodec::types`] has the definitions needed to write the values again with a
/// [`crate::ValueEncoder`].
pub struct ValueCodec {
    de: StreamState,
}

impl ValueCodec {
    /// A decoder with default limits.
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    /// A decoder with the given limits.
    pub fn with_limits(limits: Limits) -> Self {
        ValueCodec {
            de: StreamState::new(limits),
        }
    }

    /// The type definitions decoded so far.
    pub fn types(&self) -> &TypeTable {
        self.de.types()
    }

    /// Bytes of the stream consumed by decoded values so far.
    pub fn offset(&self) -> u64 {
        self.de.offset
    }
}

impl Default for ValueCodec {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ValueCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValueCodec")
            .field("offset", &self.de.offset)
            .field("limits", &self.de.limits())
            .finish_non_exhaustive()
    }
}

impl tokio_util::codec::Decoder for ValueCodec {
    type Item = Value;
    type Error = Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Value>> {
        decode_buf(&mut self.de, src, crate::value::de::decode)
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Value>> {
        decode_buf_eof(&mut self.de, src, crate::value::de::decode)
    }
}
