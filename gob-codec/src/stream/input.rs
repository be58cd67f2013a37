//! The decoder's view of a value being read: the current message, the stream's type table, the
//! depth guard, and the next message when an interface value continues there (`WIRE.md`,
//! "Interfaces"). Both the typed and the `Value` decoder read through it.

use std::ops::Range;

use super::message::Message;
use super::plan::Plans;
use super::source::MessageSource;
use super::Limits;
use crate::error::{Error, ErrorKind, Result};
use crate::types::{self, TypeId, TypeTable, WireKind, WireType};
use crate::wire::{self, Reader};

/// The current message and everything decoding needs.
pub(crate) struct Input<'a> {
    pub(crate) msg: &'a mut Message,
    pub(crate) pos: usize,
    pub(crate) base: u64,
    pub(crate) src: &'a mut dyn MessageSource,
    pub(crate) types: &'a mut TypeTable,
    pub(crate) plans: &'a mut Plans,
    pub(crate) limits: Limits,
    pub(crate) depth: super::Depth,
}

macro_rules! prim {
    ($name:ident, $read:ident, $t:ty) => {
        #[inline]
        pub(crate) fn $name(&mut self) -> Result<$t> {
            let mut r = self.reader();
            let v = r.$read()?;
            self.pos += r.position();
            Ok(v)
        }
    };
}

impl<'a> Input<'a> {
    #[inline]
    fn reader(&self) -> Reader<'_> {
        Reader::new(&self.msg.data()[self.pos..], self.offset())
    }

    /// Stream offset of the next byte.
    #[inline]
    pub(crate) fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// True when the current message is used up.
    #[inline]
    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.msg.data().len()
    }

    /// An unsigned integer of any length: the rare case, kept out of line so that the common one
    /// inlines into its callers.
    #[cold]
    #[inline(never)]
    fn uint_any(&mut self) -> Result<u64> {
        let mut r = self.reader();
        let v = r.uint()?;
        self.pos += r.position();
        Ok(v)
    }

    prim!(int, int, i64);
    prim!(float, float, f64);
    prim!(bool, bool, bool);

    /// An unsigned integer.
    #[inline]
    pub(crate) fn uint(&mut self) -> Result<u64> {
        match wire::small_uint(self.msg.data(), self.pos) {
            Some(b) => {
                self.pos += 1;
                Ok(u64::from(b))
            }
            None => self.uint_any(),
        }
    }

    /// A length-prefixed byte string from the current message.
    #[inline]
    pub(crate) fn bytes(&mut self) -> Result<&[u8]> {
        let r = self.bytes_range()?;
        Ok(&self.msg.data()[r])
    }

    /// A length-prefixed UTF-8 string from the current message.
    #[inline]
    pub(crate) fn str(&mut self) -> Result<&str> {
        let at = self.offset();
        let r = self.bytes_range()?;
        self.msg.check_text(r.start);
        match self.msg.text(r.clone()) {
            Some(s) => Ok(s),
            None => std::str::from_utf8(&self.msg.data()[r]).map_err(|_| not_utf8(at)),
        }
    }

    /// Where the next length-prefixed byte string lies in the message; reads past it.
    #[inline]
    fn bytes_range(&mut self) -> Result<Range<usize>> {
        match wire::small_bytes(self.msg.data(), self.pos) {
            Some(r) => {
                self.pos = r.end;
                Ok(r)
            }
            None => self.bytes_range_any(),
        }
    }

    #[cold]
    #[inline(never)]
    fn bytes_range_any(&mut self) -> Result<Range<usize>> {
        let start = self.pos;
        let mut r = Reader::new(&self.msg.data()[start..], self.base + start as u64);
        let n = r.bytes()?.len();
        let used = r.position();
        self.pos += used;
        Ok(start + used - n..start + used)
    }

    /// The next byte, if any, without reading it.
    #[inline]
    pub(crate) fn peek(&self) -> Option<u8> {
        self.msg.data().get(self.pos).copied()
    }

    /// An element count; capacity reserved for it is capped by the bytes left in this message.
    pub(crate) fn count(&mut self, what: &str) -> Result<(usize, usize)> {
        let start = self.offset();
        let n = self.uint()?;
        let n = usize::try_from(n)
            .map_err(|_| Error::malformed(format!("{what} count {n} too large")).at(start))?;
        let left = self.msg.data().len() - self.pos;
        Ok((n, n.min(left)))
    }

    /// Reads a type id.
    pub(crate) fn type_id(&mut self) -> Result<TypeId> {
        let start = self.offset();
        let v = self.int()?;
        TypeId::try_from(v)
            .map_err(|_| Error::malformed(format!("type id {v} out of range")).at(start))
    }

    /// Reads and records a type definition at the current position.
    pub(crate) fn define(&mut self, id: TypeId) -> Result<()> {
        let start = self.offset();
        let mut r = self.reader();
        let wt = WireType::decode(&mut r)?;
        self.pos += r.position();
        self.types.define(id, wt).map_err(|e| e.at(start))
    }

    /// Replaces the current message with the next one from the source.
    pub(crate) fn next_message(&mut self) -> Result<()> {
        let base = self
            .src
            .next_message(self.msg.refill(), self.limits.max_message)?;
        self.base = base;
        self.pos = 0;
        Ok(())
    }

    /// Go's `decodeTypeSequence(true)` inside an interface value: definitions, each possibly followed
    /// by a (meaningless) length, until the concrete type id; may continue into the next message.
    pub(crate) fn interface_type_id(&mut self) -> Result<TypeId> {
        let mark = self.types.mark();
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
                self.types.close_group(id, mark);
                return Ok(id);
            }
            self.define(id.checked_neg().unwrap_or(0))?;
            if !self.at_end() {
                self.uint()?;
            }
        }
    }

    /// Errors unless `id` is predefined or defined on this stream.
    pub(crate) fn check_known(&self, id: TypeId, at: u64) -> Result<()> {
        if self.types.is_known(id) {
            Ok(())
        } else {
            Err(Error::malformed(format!("unknown type id {id}")).at(at))
        }
    }

    /// Enters a nested value, enforcing the depth limit.
    #[inline]
    pub(crate) fn enter(&mut self) -> Result<()> {
        let r = self.depth.enter();
        r.map_err(|e| e.at(self.offset()))
    }

    /// Leaves a nested value entered with [`Input::enter`].
    #[inline]
    pub(crate) fn leave(&mut self) {
        self.depth.leave();
    }

    /// Reads a struct field delta; `None` at the terminator.
    #[inline]
    pub(crate) fn field(&mut self, last: &mut i64, nfields: usize) -> Result<Option<usize>> {
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
            None => Err(field_out_of_bounds(start)),
        }
    }

    /// Reads the `0` that precedes a non-struct value at top level or inside an interface.
    pub(crate) fn singleton(&mut self) -> Result<()> {
        let start = self.offset();
        if self.uint()? != 0 {
            return Err(Error::malformed("corrupted data: non-zero delta for singleton").at(start));
        }
        Ok(())
    }

    /// Reads an interface header; `None` for a nil interface, else the registered name and concrete
    /// id, with the input positioned at the concrete value (its singleton delta already read).
    pub(crate) fn interface_header(&mut self) -> Result<Option<(String, TypeId)>> {
        let at = self.offset();
        let name = self.bytes()?;
        if name.is_empty() {
            return Ok(None);
        }
        if name.len() > 1024 {
            return Err(Error::malformed(format!(
                "interface type name too long ({} bytes)",
                name.len()
            ))
            .at(at));
        }
        let name = std::str::from_utf8(name)
            .map_err(|_| Error::malformed("interface type name is not UTF-8").at(at))?
            .to_owned();
        let id = self.interface_type_id()?;
        // The value's byte count: not trusted, the value is walked instead.
        self.uint()?;
        if !self.is_struct(id) {
            self.singleton()?;
        }
        Ok(Some((name, id)))
    }

    /// Like [`Input::check_known`], with one lookup: whether `id` is a struct type.
    pub(crate) fn check_known_struct(&self, id: TypeId, at: u64) -> Result<bool> {
        if id > 0 && id <= types::INTERFACE {
            return Ok(false);
        }
        match self.types.get(id) {
            Some(w) => Ok(matches!(w.kind, WireKind::Struct { .. })),
            None => Err(Error::malformed(format!("unknown type id {id}")).at(at)),
        }
    }

    /// True when `id` is a struct type (encoded without the singleton delta).
    pub(crate) fn is_struct(&self, id: TypeId) -> bool {
        matches!(
            self.types.get(id).map(|w| &w.kind),
            Some(WireKind::Struct { .. })
        )
    }
}

#[cold]
fn field_out_of_bounds(at: u64) -> Error {
    Error::malformed("field numbers out of bounds").at(at)
}

#[cold]
fn not_utf8(at: u64) -> Error {
    Error::malformed("string is not valid UTF-8").at(at)
}
