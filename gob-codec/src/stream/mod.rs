//! The read side of a gob stream, below both the typed decoder (`de`) and the `Value` decoder
//! (`value::de`): messages from a source, the type definitions in front of each value (Go's
//! `decodeTypeSequence`), the stream's type table, and the frame around every top-level value.
//!
//! A value decoder is a function from an [`Input`] positioned at a value of some type id to the
//! decoded value ([`DecodeFn`]); everything else is here. The front ends are thin adapters: the
//! `std::io` [`crate::Decoder`] pulls messages through a [`ReadSource`] with
//! [`ReadState::decode`]; the tokio ones (`AsyncDecoder`, the codecs) push bytes into a
//! [`buffered::StreamState`], which answers "here is a value" or "that many more bytes".

#[cfg(feature = "tokio")]
pub(crate) mod buffered;
pub(crate) mod input;
pub(crate) mod message;
pub(crate) mod plan;
pub(crate) mod source;

use crate::error::{Error, ErrorKind, Result};
use crate::types::{TypeId, TypeTable};
pub(crate) use input::Input;
use message::Message;
use plan::Plans;
pub(crate) use source::{MessageSource, ReadSource, SliceSource};

/// Default limit on one message's size: 64 MiB.
pub const DEFAULT_MAX_MESSAGE: usize = 64 << 20;
/// Default limit on value nesting depth. Real Go data nests a few levels; 256 keeps the deepest
/// decode well inside a 2 MiB thread stack (a tokio worker's) even in debug builds, where a level of
/// typed decoding can take several KiB of stack.
pub const DEFAULT_MAX_DEPTH: usize = 256;

/// Decoder limits. Every count and length is also bounded by the bytes actually received.
///
/// ```
/// use gob_codec::{Decoder, ErrorKind, Limits};
/// let bytes = gob_codec::to_vec(&"x".repeat(100)).unwrap();
/// let limits = Limits { max_message: 64, ..Limits::default() };
/// let e = Decoder::with_limits(&bytes[..], limits).decode::<String>().unwrap_err();
/// assert!(matches!(e.kind(), ErrorKind::Limit(_)));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest message body accepted, in bytes (Go allows up to 8 GiB; the default here is
    /// [`DEFAULT_MAX_MESSAGE`], 64 MiB).
    pub max_message: usize,
    /// Deepest nesting of values, for decoded and skipped values alike ([`DEFAULT_MAX_DEPTH`]).
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message: DEFAULT_MAX_MESSAGE,
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }
}

/// How deeply the value being read or written nests, against the limit: each nested value is
/// entered before it is read or written, and left after.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Depth {
    now: usize,
    max: usize,
}

impl Depth {
    pub(crate) fn new(max: usize) -> Self {
        Depth { now: 0, max }
    }

    /// Enters a nested value, enforcing the limit.
    #[inline]
    pub(crate) fn enter(&mut self) -> Result<()> {
        self.now += 1;
        if self.now > self.max {
            return Err(too_deep(self.max));
        }
        Ok(())
    }

    /// Leaves a nested value entered with [`Depth::enter`].
    #[inline]
    pub(crate) fn leave(&mut self) {
        self.now -= 1;
    }
}

#[cold]
fn too_deep(max: usize) -> Error {
    Error::limit(format!("value nested deeper than {max}"))
}

/// Decodes one value of the given type id from the input: the typed decoder's or the `Value`
/// decoder's entry point.
pub(crate) type DecodeFn<T> = fn(&mut Input<'_>, TypeId) -> Result<T>;

/// The message that holds a value's start, positioned just after its type id.
pub(crate) struct ValueStart {
    pub(crate) id: TypeId,
    /// A struct value has no singleton `0` in front of it.
    pub(crate) is_struct: bool,
    pub(crate) pos: usize,
    pub(crate) base: u64,
}

/// What one direction of a stream keeps between values: its definitions and the typed decoder's
/// plans for them, its limits, and the buffer of the current message (kept to save allocations).
pub(crate) struct ReadState {
    pub(crate) types: TypeTable,
    pub(crate) plans: Plans,
    pub(crate) limits: Limits,
    pub(crate) msg: Message,
}

impl ReadState {
    pub(crate) fn new(limits: Limits) -> Self {
        ReadState {
            types: TypeTable::new(),
            plans: Plans::default(),
            limits,
            msg: Message::new(),
        }
    }

    /// Reads the next value from `src`: the definitions in front of it, then the value.
    pub(crate) fn decode<T>(
        &mut self,
        src: &mut dyn MessageSource,
        decode: impl FnOnce(&mut Input<'_>, TypeId) -> Result<T>,
    ) -> Result<T> {
        let start = next_value(src, self)?;
        decode_value_at(src, self, start, decode)
    }

    /// An input over the current message, from `pos`.
    fn input<'a>(&'a mut self, src: &'a mut dyn MessageSource, pos: usize, base: u64) -> Input<'a> {
        Input {
            msg: &mut self.msg,
            pos,
            base,
            src,
            types: &mut self.types,
            plans: &mut self.plans,
            limits: self.limits,
            depth: Depth::new(self.limits.max_depth),
        }
    }
}

/// Reads messages until a value message: Go's `decodeTypeSequence(false)`.
pub(crate) fn next_value(src: &mut dyn MessageSource, st: &mut ReadState) -> Result<ValueStart> {
    let mut first = true;
    let mark = st.types.mark();
    loop {
        let base = match src.next_message(st.msg.refill(), st.limits.max_message) {
            Err(e) if e.is_eof() && !first => {
                return Err(Error::new(ErrorKind::UnexpectedEof).at(e.offset().unwrap_or(0)))
            }
            r => r?,
        };
        first = false;
        let mut inp = st.input(&mut *src, 0, base);
        let at = inp.offset();
        let id = inp.type_id()?;
        if id >= 0 {
            let is_struct = inp.check_known_struct(id, at)?;
            let pos = inp.pos;
            st.types.close_group(id, mark);
            return Ok(ValueStart {
                id,
                is_struct,
                pos,
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
    st: &mut ReadState,
    start: ValueStart,
    decode: impl FnOnce(&mut Input<'_>, TypeId) -> Result<T>,
) -> Result<T> {
    let mut inp = st.input(src, start.pos, start.base);
    if !start.is_struct {
        inp.singleton()?;
    }
    let v = decode(&mut inp, start.id)?;
    if !inp.at_end() {
        return Err(Error::malformed("extra data in buffer after value").at(inp.offset()));
    }
    Ok(v)
}
