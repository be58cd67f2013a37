//! Decoding: typed values through serde ([`Decoder`], [`from_slice`], [`from_reader`]).
//!
//! Reading messages and type definitions is the stream layer's (`crate::stream`); this module is
//! the serde side: [`decode_root`] turns a value of some wire type into a `T`.

mod access;
mod skip;
mod value;
mod zero;

use std::io::Read;

use serde::de::{Deserialize, DeserializeOwned};

use crate::error::{Error, Result};
use crate::stream::{Input, Limits, ReadSource, ReadState, SliceSource};
use crate::types::{TypeId, TypeTable};
use value::ValueDe;

/// Decodes a top-level value (or an interface's concrete value) of wire type `id` into `T`.
pub(crate) fn decode_root<T: DeserializeOwned>(inp: &mut Input<'_>, id: TypeId) -> Result<T> {
    T::deserialize(ValueDe { inp, id, top: true })
}

/// Decodes a top-level value of wire type `id` into `place`, reusing what it holds.
pub(crate) fn decode_root_into<T>(inp: &mut Input<'_>, id: TypeId, place: &mut T) -> Result<()>
where
    T: for<'de> Deserialize<'de>,
{
    T::deserialize_in_place(ValueDe { inp, id, top: true }, place)
}

/// Reads a stream of gob values from `R`, keeping the stream's type definitions, as Go's `gob.Decoder`.
///
/// It reads exactly the messages of each value and nothing after them, so a connection can go on with
/// other bytes after a gob value (use a `BufReader` only when nothing else reads the stream).
///
/// ```
/// use gob_codec::{Decoder, Encoder, Value};
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct Point { X: i64, Y: i64 }
///
/// let mut enc = Encoder::new(Vec::new());
/// enc.encode(&Point { X: 1, Y: 2 }).unwrap();
/// enc.encode(&Point { X: 3, Y: 4 }).unwrap(); // Point is defined once, in front of the first
/// let stream = enc.into_inner();
///
/// let mut dec = Decoder::new(&stream[..]);
/// assert_eq!(dec.decode::<Point>().unwrap(), Point { X: 1, Y: 2 });
/// // Any value, typed or not: the second one without a Rust type.
/// let v = dec.decode_value().unwrap();
/// assert_eq!(v.field("Y"), Some(&Value::Int(4)));
/// assert!(dec.decode_value().unwrap_err().is_eof());
/// ```
pub struct Decoder<R> {
    src: ReadSource<R>,
    state: ReadState,
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
            state: ReadState::new(limits),
        }
    }

    /// Decodes the next value. At a clean end of stream the error's [`crate::Error::is_eof`] is
    /// true.
    pub fn decode<T: DeserializeOwned>(&mut self) -> Result<T> {
        self.decode_with(decode_root::<T>)
    }

    /// Decodes the next value into `place`, reusing what it holds: a `Vec`'s elements and
    /// capacity, a `String`'s buffer. A loop that reads many values of one type then allocates
    /// only when a value is larger than any before it (and `place` keeps the capacity of the
    /// largest one: replace it to give that memory back).
    ///
    /// `place` ends up equal to what [`Decoder::decode`] would return: a field that the stream
    /// leaves out (gob omits zero values) is set to zero, unlike Go's `Decode` into a used value,
    /// which keeps the old field.
    ///
    /// The reuse comes from serde's `Deserialize::deserialize_in_place`, which the derive writes
    /// only with `serde_derive`'s `deserialize_in_place` feature; without it (or for a type that
    /// implements `Deserialize` by hand) this is `*place = decode()?`, equally correct. After an
    /// error `place` may hold part of the new value; the decoder is positioned as after a failed
    /// [`Decoder::decode`].
    ///
    /// ```
    /// # use gob_codec::{Decoder, Encoder};
    /// let mut enc = Encoder::new(Vec::new());
    /// enc.encode(&vec!["a long first line".to_string()]).unwrap();
    /// enc.encode(&vec!["short".to_string(), "two".to_string()]).unwrap();
    /// let stream = enc.into_inner();
    ///
    /// let mut dec = Decoder::new(&stream[..]);
    /// let mut lines: Vec<String> = Vec::new();
    /// dec.decode_into(&mut lines).unwrap();
    /// assert_eq!(lines, ["a long first line"]);
    /// dec.decode_into(&mut lines).unwrap();
    /// assert_eq!(lines, ["short", "two"]);
    /// ```
    pub fn decode_into<T>(&mut self, place: &mut T) -> Result<()>
    where
        T: for<'de> Deserialize<'de>,
    {
        self.decode_with(|inp, id| decode_root_into(inp, id, place))
    }

    /// Decodes the next value with `decode` (typed, or into a `Value`: see `value::de`).
    pub(crate) fn decode_with<T>(
        &mut self,
        decode: impl FnOnce(&mut Input<'_>, TypeId) -> Result<T>,
    ) -> Result<T> {
        self.state.decode(&mut self.src, decode)
    }

    /// The type definitions received so far.
    pub fn types(&self) -> &TypeTable {
        &self.state.types
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

/// Decodes the one value of a complete gob stream held in memory (as written by [`crate::to_vec`]:
/// its definitions, then the value). Bytes after the value are an error of kind
/// [`crate::ErrorKind::Malformed`]: a stream of several values is read with a [`Decoder`].
///
/// ```
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct Point { X: i64, Y: i64 }
/// let bytes = gob_codec::to_vec(&Point { X: 1, Y: -2 }).unwrap();
/// let p: Point = gob_codec::from_slice(&bytes).unwrap();
/// assert_eq!(p, Point { X: 1, Y: -2 });
///
/// let two = [&bytes[..], &bytes[..]].concat();
/// assert!(gob_codec::from_slice::<Point>(&two).is_err());
/// ```
pub fn from_slice<T: DeserializeOwned>(data: &[u8]) -> Result<T> {
    let mut src = SliceSource { data, pos: 0 };
    let v = ReadState::new(Limits::default()).decode(&mut src, decode_root::<T>)?;
    if src.pos != data.len() {
        return Err(Error::malformed(format!(
            "{} bytes after the value (a stream of several values is read with a Decoder)",
            data.len() - src.pos
        ))
        .at(src.pos as u64));
    }
    Ok(v)
}

/// Decodes the first value from a reader; what follows it is left unread.
///
/// ```
/// let bytes = gob_codec::to_vec(&vec!["a".to_string(), "b".to_string()]).unwrap();
/// let v: Vec<String> = gob_codec::from_reader(std::io::Cursor::new(bytes)).unwrap();
/// assert_eq!(v, ["a", "b"]);
/// ```
pub fn from_reader<R: Read, T: DeserializeOwned>(r: R) -> Result<T> {
    Decoder::new(r).decode()
}
