//! Decoding: typed values through serde ([`Decoder`], [`from_slice`], [`from_reader`]).

mod access;
pub(crate) mod input;
pub(crate) mod skip;
mod value;
mod zero;

use std::io::Read;

use serde::de::DeserializeOwned;

use crate::error::{Error, ErrorKind, Result};
use crate::types::{TypeId, TypeTable};
pub use input::Limits;
use input::{BufSource, Input, MessageSource, ReadSource, SliceSource};
use value::ValueDe;

/// Reads a stream of gob values from `R`, keeping the stream's type definitions, as Go's `gob.Decoder`.
///
/// It reads exactly the messages of each value and nothing after them, so a connection can go on with
/// other bytes after a gob value (use a `BufReader` only when nothing else reads the stream).
pub struct Decoder<R> {
    src: ReadSource<R>,
    types: TypeTable,
    buf: Vec<u8>,
    limits: Limits,
}

/// The message that holds a value's start, positioned just after its type id.
pub(crate) struct ValueStart {
    pub id: TypeId,
    pub pos: usize,
    pub base: u64,
}

/// Reads messages until a value message: Go's `decodeTypeSequence(false)`.
pub(crate) fn next_value(
    src: &mut dyn MessageSource,
    buf: &mut Vec<u8>,
    types: &mut TypeTable,
    limits: Limits,
) -> Result<ValueStart> {
    let mut first = true;
    loop {
        let base = match src.next_message(buf, limits.max_message) {
            Err(e) if e.is_eof() && !first => {
                return Err(Error::new(ErrorKind::UnexpectedEof).at(e.offset().unwrap_or(0)))
            }
            r => r?,
        };
        first = false;
        let mut inp = Input {
            buf: &mut *buf,
            pos: 0,
            base,
            src: &mut *src,
            types: &mut *types,
            limits,
            depth: 0,
        };
        let at = inp.offset();
        let id = inp.type_id()?;
        if id >= 0 {
            inp.check_known(id, at)?;
            return Ok(ValueStart {
                id,
                pos: inp.pos,
                base,
            });
        }
        inp.define(id.checked_neg().unwrap_or(0))?;
        if !inp.at_end() {
            return Err(
                Error::malformed("extra data in buffer after type definition").at(inp.offset()),
            );
        }
    }
}

/// Runs `decode` on the value that starts at `start` (after its singleton `0`, for non-structs),
/// then checks that the message is used up: the frame around every top-level value, typed or not.
pub(crate) fn decode_value_at<T>(
    src: &mut dyn MessageSource,
    buf: &mut Vec<u8>,
    types: &mut TypeTable,
    limits: Limits,
    start: ValueStart,
    decode: impl FnOnce(&mut Input<'_>, TypeId) -> Result<T>,
) -> Result<T> {
    let mut inp = Input {
        buf,
        pos: start.pos,
        base: start.base,
        src,
        types,
        limits,
        depth: 0,
    };
    if !skip::is_struct(&inp, start.id) {
        inp.singleton()?;
    }
    let v = decode(&mut inp, start.id)?;
    if !inp.at_end() {
        return Err(Error::malformed("extra data in buffer after value").at(inp.offset()));
    }
    Ok(v)
}

/// Decodes the value that starts at `start` into `T`.
pub(crate) fn decode_at<T: DeserializeOwned>(
    src: &mut dyn MessageSource,
    buf: &mut Vec<u8>,
    types: &mut TypeTable,
    limits: Limits,
    start: ValueStart,
) -> Result<T> {
    decode_value_at(src, buf, types, limits, start, |inp, id| {
        T::deserialize(ValueDe { inp, id, top: true })
    })
}

/// What decoding from the bytes received so far gives.
#[cfg_attr(not(feature = "tokio"), allow(dead_code))]
pub(crate) enum Buffered<T> {
    /// A whole value, which took the first `used` bytes.
    Done { value: T, used: usize },
    /// The value is not all there: the message starting at byte `at` (a message boundary) is
    /// incomplete or missing. Nothing was changed.
    NeedMore { at: usize },
    /// The value's messages are all there but it does not decode. As with Go's `gob.Decoder`, the
    /// definitions read in front of it are kept and its messages (the first `used` bytes) are
    /// dropped, so that the stream goes on with the next value.
    Failed { error: Error, used: usize },
}

/// Decodes one value from the start of `data` (stream bytes from offset `base`), which may hold less
/// than the whole value: then the answer is [`Buffered::NeedMore`] and `types` is left as it was, so
/// that the attempt can be repeated when more bytes arrive. Definitions are recorded in `types` only
/// when the value is complete (and then also when it fails to decode). `buf` is scratch space, kept between calls to save allocations.
#[cfg_attr(not(feature = "tokio"), allow(dead_code))]
pub(crate) fn decode_buffered<T>(
    data: &[u8],
    base: u64,
    types: &mut TypeTable,
    limits: Limits,
    buf: &mut Vec<u8>,
    decode: impl FnOnce(
        &mut dyn MessageSource,
        &mut Vec<u8>,
        &mut TypeTable,
        Limits,
        ValueStart,
    ) -> Result<T>,
) -> Result<Buffered<T>> {
    // A value that is cut short may already have defined types (those sent in front of it, or
    // inside it before an interface value); the retry must define them again from the same bytes,
    // so they are taken back.
    let mark = types.mark();
    let mut src = BufSource {
        data,
        pos: 0,
        base,
        starved: false,
    };
    let r = next_value(&mut src, buf, types, limits)
        .and_then(|start| decode(&mut src, buf, types, limits, start));
    match r {
        // A value is only trusted if no read ran out of bytes (a `Deserialize` impl could swallow
        // the error and go on).
        _ if src.starved => {
            types.rollback(mark);
            Ok(Buffered::NeedMore { at: src.pos })
        }
        Ok(value) => Ok(Buffered::Done {
            value,
            used: src.pos,
        }),
        Err(error) => Ok(Buffered::Failed {
            error,
            used: src.pos,
        }),
    }
}

/// [`decode_buffered`] into `T`.
#[cfg_attr(not(feature = "tokio"), allow(dead_code))]
pub(crate) fn decode_buffered_typed<T: DeserializeOwned>(
    data: &[u8],
    base: u64,
    types: &mut TypeTable,
    limits: Limits,
    buf: &mut Vec<u8>,
) -> Result<Buffered<T>> {
    decode_buffered(data, base, types, limits, buf, decode_at::<T>)
}

/// [`decode_buffered`] into a dynamic [`crate::Value`].
#[cfg_attr(not(feature = "tokio"), allow(dead_code))]
pub(crate) fn decode_buffered_value(
    data: &[u8],
    base: u64,
    types: &mut TypeTable,
    limits: Limits,
    buf: &mut Vec<u8>,
) -> Result<Buffered<crate::Value>> {
    decode_buffered(data, base, types, limits, buf, crate::value::de::decode_at)
}

impl<R: Read> Decoder<R> {
    /// A decoder with default limits.
    pub fn new(r: R) -> Self {
        Self::with_limits(r, Limits::default())
    }

    /// A decoder with the given limits.
    pub fn with_limits(r: R, limits: Limits) -> Self {
        Decoder {
            src: ReadSource { r, offset: 0 },
            types: TypeTable::new(),
            buf: Vec::new(),
            limits,
        }
    }

    /// Decodes the next value. At a clean end of stream the error's [`Error::is_eof`] is true.
    pub fn decode<T: DeserializeOwned>(&mut self) -> Result<T> {
        let start = next_value(&mut self.src, &mut self.buf, &mut self.types, self.limits)?;
        decode_at(
            &mut self.src,
            &mut self.buf,
            &mut self.types,
            self.limits,
            start,
        )
    }

    /// Decodes the next value into a dynamic [`crate::Value`].
    pub fn decode_value(&mut self) -> Result<crate::Value> {
        let start = next_value(&mut self.src, &mut self.buf, &mut self.types, self.limits)?;
        crate::value::de::decode_at(
            &mut self.src,
            &mut self.buf,
            &mut self.types,
            self.limits,
            start,
        )
    }

    /// The type definitions received so far.
    pub fn types(&self) -> &TypeTable {
        &self.types
    }

    /// Bytes consumed from the reader so far.
    pub fn offset(&self) -> u64 {
        self.src.offset
    }

    /// The reader.
    pub fn get_ref(&self) -> &R {
        &self.src.r
    }

    /// The reader, mutably; reading from it between values is how a connection continues after gob.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.src.r
    }

    /// The reader, giving up the decoder.
    pub fn into_inner(self) -> R {
        self.src.r
    }
}

/// Decodes the first value of a complete gob stream held in memory.
///
/// ```
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct Point { X: i64, Y: i64 }
/// let bytes = gob_codec::to_vec(&Point { X: 1, Y: -2 }).unwrap();
/// let p: Point = gob_codec::from_slice(&bytes).unwrap();
/// assert_eq!(p, Point { X: 1, Y: -2 });
/// ```
pub fn from_slice<T: DeserializeOwned>(data: &[u8]) -> Result<T> {
    let mut src = SliceSource { data, pos: 0 };
    let mut types = TypeTable::new();
    let mut buf = Vec::new();
    let limits = Limits::default();
    let start = next_value(&mut src, &mut buf, &mut types, limits)?;
    decode_at(&mut src, &mut buf, &mut types, limits, start)
}

/// Decodes the first value from a reader.
pub fn from_reader<R: Read, T: DeserializeOwned>(r: R) -> Result<T> {
    Decoder::new(r).decode()
}
