//! The decoder's view of a stream: the current message, the type table, and a way to pull the next
//! message when an interface value continues there (`WIRE.md`, "Interfaces").

use std::io::Read;

use crate::error::{Error, ErrorKind, Result};
use crate::types::{TypeId, TypeTable, WireType};
use crate::wire::Reader;

/// Decoder limits. Every count and length is also bounded by the bytes actually received.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest message body accepted, in bytes (Go allows up to 8 GiB; the default here is 64 MiB).
    pub max_message: usize,
    /// Deepest nesting of values, for decoded and skipped values alike.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message: crate::DEFAULT_MAX_MESSAGE,
            max_depth: crate::DEFAULT_MAX_DEPTH,
        }
    }
}

/// Where messages come from.
pub(crate) trait MessageSource {
    /// Replaces `buf` with the next message body and returns the stream offset of its first byte.
    /// A clean end of input before a message is `ErrorKind::Eof`.
    fn next_message(&mut self, buf: &mut Vec<u8>, max: usize) -> Result<u64>;
}

/// Messages read from an `io::Read`, never reading past the end of a message.
pub(crate) struct ReadSource<R> {
    pub r: R,
    pub offset: u64,
}

impl<R: Read> ReadSource<R> {
    fn byte(&mut self) -> Result<Option<u8>> {
        let mut b = [0u8; 1];
        loop {
            match self.r.read(&mut b) {
                Ok(0) => return Ok(None),
                Ok(_) => {
                    self.offset += 1;
                    return Ok(Some(b[0]));
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::from(e).at(self.offset)),
            }
        }
    }
}

impl<R: Read> MessageSource for ReadSource<R> {
    fn next_message(&mut self, buf: &mut Vec<u8>, max: usize) -> Result<u64> {
        let start = self.offset;
        let Some(first) = self.byte()? else {
            return Err(Error::new(ErrorKind::Eof).at(start));
        };
        let mut len = u64::from(first);
        if first >= 0x80 {
            let n = first.wrapping_neg();
            if n > 8 {
                return Err(Error::malformed("invalid message length").at(start));
            }
            len = 0;
            for _ in 0..n {
                let b = self
                    .byte()?
                    .ok_or_else(|| Error::new(ErrorKind::UnexpectedEof).at(self.offset))?;
                len = (len << 8) | u64::from(b);
            }
        }
        check_len(len, max, start)?;
        buf.clear();
        let body = self.offset;
        let got = if len <= SMALL_MESSAGE as u64 {
            // Small enough to reserve outright: one exact read instead of a growing buffer.
            buf.resize(len as usize, 0);
            read_full(&mut self.r, buf).map_err(|e| Error::from(e).at(self.offset))?
        } else {
            // Grows with the bytes that arrive, so a large announced length costs nothing up front.
            (&mut self.r)
                .take(len)
                .read_to_end(buf)
                .map_err(|e| Error::from(e).at(self.offset))?
        };
        self.offset += got as u64;
        if (got as u64) < len {
            return Err(Error::new(ErrorKind::UnexpectedEof).at(self.offset));
        }
        Ok(body)
    }
}

/// Messages up to this size get their buffer reserved before their bytes arrive.
const SMALL_MESSAGE: usize = 64 << 10;

/// Reads until `buf` is full or the input ends; returns how much was read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Messages cut from a byte slice.
pub(crate) struct SliceSource<'a> {
    pub data: &'a [u8],
    pub pos: usize,
}

impl MessageSource for SliceSource<'_> {
    fn next_message(&mut self, buf: &mut Vec<u8>, max: usize) -> Result<u64> {
        let start = self.pos as u64;
        if self.pos >= self.data.len() {
            return Err(Error::new(ErrorKind::Eof).at(start));
        }
        let mut r = Reader::new(&self.data[self.pos..], start);
        let len = r.uint().map_err(|e| e.at(start))?;
        let n = check_len(len, max, start)?;
        let body = r.offset();
        let bytes = r.take(n)?;
        buf.clear();
        buf.extend_from_slice(bytes);
        self.pos += r.position();
        Ok(body)
    }
}

/// Parses a message length prefix at the start of `data`, whose first byte is at stream offset `at`.
/// `Ok(None)` when the prefix is not all there yet; otherwise the body length (checked to be non-zero
/// and at most `max`, so that nothing is ever reserved for an over-limit message) and the prefix size.
#[cfg_attr(not(feature = "tokio"), allow(dead_code))]
pub(crate) fn message_len(data: &[u8], at: u64, max: usize) -> Result<Option<(usize, usize)>> {
    let Some(&first) = data.first() else {
        return Ok(None);
    };
    let (len, used) = if first < 0x80 {
        (u64::from(first), 1)
    } else {
        let n = usize::from(first.wrapping_neg());
        if n > 8 {
            return Err(Error::malformed("invalid message length").at(at));
        }
        let Some(bytes) = data.get(1..=n) else {
            return Ok(None);
        };
        (
            bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)),
            1 + n,
        )
    };
    check_len(len, max, at).map(|n| Some((n, used)))
}

/// A message length must be non-zero and at most `max`; checked before anything is reserved.
fn check_len(len: u64, max: usize, at: u64) -> Result<usize> {
    if len == 0 {
        return Err(Error::malformed("empty message").at(at));
    }
    match usize::try_from(len) {
        Ok(n) if n <= max => Ok(n),
        _ => Err(Error::limit(format!(
            "message length {len} is over the limit of {max} bytes"
        ))
        .at(at)),
    }
}

/// Messages cut from a buffer that may end before the value does (streaming decoders). Running out of
/// data sets `starved` (and fails with `UnexpectedEof`), so the caller can tell "wait for more bytes"
/// from bad data whatever the error was turned into on the way up.
#[cfg_attr(not(feature = "tokio"), allow(dead_code))]
pub(crate) struct BufSource<'a> {
    pub data: &'a [u8],
    pub pos: usize,
    /// Stream offset of `data[0]`.
    pub base: u64,
    pub starved: bool,
}

impl MessageSource for BufSource<'_> {
    fn next_message(&mut self, buf: &mut Vec<u8>, max: usize) -> Result<u64> {
        let start = self.base + self.pos as u64;
        let rest = &self.data[self.pos..];
        let whole = match message_len(rest, start, max)? {
            Some((len, used)) if rest.len() - used >= len => Some((len, used)),
            _ => None,
        };
        let Some((len, used)) = whole else {
            self.starved = true;
            return Err(Error::new(ErrorKind::UnexpectedEof).at(start));
        };
        buf.clear();
        buf.extend_from_slice(&rest[used..used + len]);
        self.pos += used + len;
        Ok(start + used as u64)
    }
}

/// The current message and everything decoding needs.
pub(crate) struct Input<'a> {
    pub buf: &'a mut Vec<u8>,
    pub pos: usize,
    pub base: u64,
    pub src: &'a mut dyn MessageSource,
    pub types: &'a mut TypeTable,
    pub limits: Limits,
    pub depth: usize,
}

macro_rules! prim {
    ($name:ident, $t:ty) => {
        #[inline]
        pub fn $name(&mut self) -> Result<$t> {
            let mut r = self.reader();
            let v = r.$name()?;
            self.pos += r.position();
            Ok(v)
        }
    };
}

impl<'a> Input<'a> {
    #[inline]
    fn reader(&self) -> Reader<'_> {
        Reader::new(&self.buf[self.pos..], self.offset())
    }

    /// Stream offset of the next byte.
    #[inline]
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// True when the current message is used up.
    #[inline]
    pub fn at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }

    prim!(uint, u64);
    prim!(int, i64);
    prim!(float, f64);
    prim!(bool, bool);

    /// A length-prefixed byte string from the current message.
    #[inline]
    pub fn bytes(&mut self) -> Result<&[u8]> {
        let start = self.pos;
        let mut r = Reader::new(&self.buf[start..], self.base + start as u64);
        let n = r.bytes()?.len();
        let used = r.position();
        self.pos += used;
        Ok(&self.buf[start + used - n..start + used])
    }

    /// An element count; capacity reserved for it is capped by the bytes left in this message.
    pub fn count(&mut self, what: &str) -> Result<(usize, usize)> {
        let start = self.offset();
        let n = self.uint()?;
        let n = usize::try_from(n)
            .map_err(|_| Error::malformed(format!("{what} count {n} too large")).at(start))?;
        let left = self.buf.len() - self.pos;
        Ok((n, n.min(left)))
    }

    /// Reads a type id.
    pub fn type_id(&mut self) -> Result<TypeId> {
        let start = self.offset();
        let v = self.int()?;
        TypeId::try_from(v)
            .map_err(|_| Error::malformed(format!("type id {v} out of range")).at(start))
    }

    /// Reads and records a type definition at the current position.
    pub fn define(&mut self, id: TypeId) -> Result<()> {
        let start = self.offset();
        let mut r = self.reader();
        let wt = WireType::decode(&mut r)?;
        self.pos += r.position();
        self.types.define(id, wt).map_err(|e| e.at(start))
    }

    /// Replaces the current message with the next one from the source.
    pub fn next_message(&mut self) -> Result<()> {
        let base = self.src.next_message(self.buf, self.limits.max_message)?;
        self.base = base;
        self.pos = 0;
        Ok(())
    }

    /// Go's `decodeTypeSequence(true)` inside an interface value: definitions, each possibly followed
    /// by a (meaningless) length, until the concrete type id; may continue into the next message.
    pub fn interface_type_id(&mut self) -> Result<TypeId> {
        loop {
            if self.at_end() {
                self.next_message().map_err(|e| {
                    if e.is_eof() {
                        Error::new(ErrorKind::UnexpectedEof).at(self.offset())
                    } else {
                        e
                    }
                })?;
            }
            let start = self.offset();
            let id = self.type_id()?;
            if id >= 0 {
                self.check_known(id, start)?;
                return Ok(id);
            }
            self.define(id.checked_neg().unwrap_or(0))?;
            if !self.at_end() {
                self.uint()?;
            }
        }
    }

    /// Errors unless `id` is predefined or defined on this stream.
    pub fn check_known(&self, id: TypeId, at: u64) -> Result<()> {
        if self.types.is_known(id) {
            Ok(())
        } else {
            Err(Error::malformed(format!("unknown type id {id}")).at(at))
        }
    }

    /// Enters a nested value, enforcing the depth limit.
    #[inline]
    pub fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return Err(Error::limit(format!(
                "value nested deeper than {}",
                self.limits.max_depth
            ))
            .at(self.offset()));
        }
        Ok(())
    }

    #[inline]
    pub fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Reads a struct field delta; `None` at the terminator.
    pub fn field(&mut self, last: &mut i64, nfields: usize) -> Result<Option<usize>> {
        let start = self.offset();
        let delta = self.uint()?;
        if delta == 0 {
            return Ok(None);
        }
        let next = i64::try_from(delta)
            .ok()
            .and_then(|d| last.checked_add(d))
            .filter(|&n| n >= 0 && (n as u64) < nfields as u64);
        match next {
            Some(n) => {
                *last = n;
                Ok(Some(n as usize))
            }
            None => Err(Error::malformed("field numbers out of bounds").at(start)),
        }
    }

    /// Reads the `0` that precedes a non-struct value at top level or inside an interface.
    pub fn singleton(&mut self) -> Result<()> {
        let start = self.offset();
        if self.uint()? != 0 {
            return Err(Error::malformed("corrupted data: non-zero delta for singleton").at(start));
        }
        Ok(())
    }
}
