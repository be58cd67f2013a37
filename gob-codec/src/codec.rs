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

use crate::de::input::message_len;
use crate::de::{decode_buffered_typed, decode_buffered_value, Buffered, Limits};
use crate::error::{Error, ErrorKind, Result};
use crate::ser::{Encoder, EncoderOptions};
use crate::types::TypeTable;
use crate::value::Value;

/// Reserve at most this much ahead for a message body; the rest grows as bytes arrive, so an
/// announced length (already capped by the limit) costs memory only when it is really sent.
const RESERVE_AHEAD: usize = 1 << 20;

/// A decoding attempt over whole buffered messages.
pub(crate) type Attempt<T> =
    fn(&[u8], u64, &mut TypeTable, Limits, &mut Vec<u8>) -> Result<Buffered<T>>;

/// What to do after looking at the buffered bytes.
pub(crate) enum Step<T> {
    /// A value, which took the first `used` bytes of the buffer.
    Value(T, usize),
    /// More bytes are needed; `n` more complete the next message (or its length prefix).
    Need(usize),
    /// The next value does not decode; its first `used` bytes are to be dropped (see
    /// [`Buffered::Failed`]).
    Failed(Error, usize),
}

/// The state a streaming decoder keeps between calls: the stream's definitions and where it is.
pub(crate) struct StreamState {
    pub types: TypeTable,
    pub limits: Limits,
    /// Stream offset of the first buffered byte.
    pub offset: u64,
    /// Where the message that the last attempt ran short of starts (0 after a value).
    tried: usize,
    scratch: Vec<u8>,
}

impl StreamState {
    pub fn new(limits: Limits) -> Self {
        StreamState {
            types: TypeTable::new(),
            limits,
            offset: 0,
            tried: 0,
            scratch: Vec::new(),
        }
    }

    /// Looks at the buffered bytes `data` (starting at the next value): decodes a value if all its
    /// messages are there, else says how many bytes complete the next message. A bad or over-limit
    /// length prefix is an error as soon as it is buffered, unless a value before it is complete.
    pub fn step<T>(&mut self, data: &[u8], attempt: Attempt<T>) -> Result<Step<T>> {
        // Decode only when a whole message arrived after the ones the last attempt ran short with:
        // definitions are parsed again from the start each time, so this bounds the work by the
        // number of messages, and it looks at one message header per call, not at all that is
        // buffered.
        if let Need::Whole = self.need_at(data, self.tried)? {
            let r = attempt(
                data,
                self.offset,
                &mut self.types,
                self.limits,
                &mut self.scratch,
            );
            // Keep scratch space for ordinary messages only.
            if self.scratch.capacity() > RESERVE_AHEAD {
                self.scratch = Vec::new();
            }
            match r? {
                Buffered::Done { value, used } => {
                    self.offset += used as u64;
                    self.tried = 0;
                    return Ok(Step::Value(value, used));
                }
                Buffered::NeedMore { at } => self.tried = at,
                Buffered::Failed { error, used } => {
                    self.offset += used as u64;
                    self.tried = 0;
                    return Ok(Step::Failed(error, used));
                }
            }
        }
        match self.need_at(data, self.tried)? {
            Need::Bytes(n) => Ok(Step::Need(n)),
            // The attempt stopped at a whole message: it cannot, but asking for a byte is safe.
            Need::Whole => Ok(Step::Need(1)),
        }
    }

    /// What the message starting at `at` still needs; its length prefix is checked here.
    fn need_at(&self, data: &[u8], at: usize) -> Result<Need> {
        let rest = &data[at..];
        let offset = self.offset + at as u64;
        Ok(match message_len(rest, offset, self.limits.max_message)? {
            None => Need::Bytes(frame_prefix_need(rest)),
            Some((len, used)) if rest.len() - used < len => Need::Bytes(len - (rest.len() - used)),
            Some(_) => Need::Whole,
        })
    }

    /// The error for input that ends with `left` bytes of an unfinished value buffered.
    pub fn truncated(&self, left: usize) -> Error {
        Error::new(ErrorKind::UnexpectedEof).at(self.offset + left as u64)
    }
}

enum Need {
    /// This many more bytes complete the message (or its length prefix).
    Bytes(usize),
    /// The message is all there.
    Whole,
}

/// Bytes still missing from an incomplete length prefix.
fn frame_prefix_need(data: &[u8]) -> usize {
    match data.first() {
        None => 1,
        Some(&b) if b < 0x80 => 1,
        Some(&b) => (1 + usize::from(b.wrapping_neg()))
            .saturating_sub(data.len())
            .max(1),
    }
}

fn decode_buf<T>(
    state: &mut StreamState,
    src: &mut BytesMut,
    attempt: Attempt<T>,
) -> Result<Option<T>> {
    match state.step(src, attempt)? {
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
    attempt: Attempt<T>,
) -> Result<Option<T>> {
    match decode_buf(state, src, attempt)? {
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
        &self.de.types
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
            .field("limits", &self.de.limits)
            .finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned> tokio_util::codec::Decoder for GobCodec<T> {
    type Item = T;
    type Error = Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<T>> {
        decode_buf(&mut self.de, src, decode_buffered_typed::<T>)
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<T>> {
        decode_buf_eof(&mut self.de, src, decode_buffered_typed::<T>)
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
        &self.de.types
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
            .field("limits", &self.de.limits)
            .finish_non_exhaustive()
    }
}

impl tokio_util::codec::Decoder for ValueCodec {
    type Item = Value;
    type Error = Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Value>> {
        decode_buf(&mut self.de, src, decode_buffered_value)
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Value>> {
        decode_buf_eof(&mut self.de, src, decode_buffered_value)
    }
}
