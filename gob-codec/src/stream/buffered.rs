//! The push-driven form of the read side, for front ends that are handed bytes as they arrive
//! (`AsyncDecoder`, the tokio codecs): given the buffered bytes, either a whole value, or how many
//! more bytes complete the next message. An attempt that runs short leaves the type table as it was.

use super::message::Message;
use super::source::BufSource;
use super::{decode_value_at, next_value, Input, Limits, ReadState};
use crate::error::{Error, ErrorKind, Result};
use crate::types::{TypeId, TypeTable};
use crate::wire::{self, Prefix};

/// Keep at most this much scratch space between values; a larger message's buffer is given back.
const KEEP_SCRATCH: usize = 1 << 20;

/// What decoding from the bytes received so far gives.
enum Buffered<T> {
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

/// Decodes one value from the start of `data` (stream bytes from offset `base`), which may hold
/// less than the whole value: then the answer is [`Buffered::NeedMore`] and the definitions in
/// `read` are left as they were, so that the attempt can be repeated when more bytes arrive.
/// Definitions are recorded only when the value is complete (and then also when it fails to
/// decode).
fn decode_buffered<T>(
    data: &[u8],
    base: u64,
    read: &mut ReadState,
    decode: impl FnOnce(&mut Input<'_>, TypeId) -> Result<T>,
) -> Buffered<T> {
    // A value that is cut short may already have defined types (those sent in front of it, or
    // inside it before an interface value); the retry must define them again from the same bytes,
    // so they are taken back.
    let mark = read.types.mark();
    let mut src = BufSource {
        data,
        pos: 0,
        base,
        starved: false,
    };
    let r =
        next_value(&mut src, read).and_then(|start| decode_value_at(&mut src, read, start, decode));
    match r {
        // A value is only trusted if no read ran out of bytes (a `Deserialize` impl could swallow
        // the error and go on).
        _ if src.starved => {
            read.types.rollback(mark);
            // Plans made for the definitions taken back go with them.
            read.plans.clear();
            Buffered::NeedMore { at: src.pos }
        }
        Ok(value) => Buffered::Done {
            value,
            used: src.pos,
        },
        Err(error) => Buffered::Failed {
            error,
            used: src.pos,
        },
    }
}

/// What to do after looking at the buffered bytes.
pub(crate) enum Step<T> {
    /// A value, which took the first `used` bytes of the buffer.
    Value(T, usize),
    /// More bytes are needed; `n` more complete the next message (or its length prefix).
    Need(usize),
    /// The next value arrived whole but does not decode; its first `used` bytes are to be dropped.
    /// As with Go's `gob.Decoder`, the definitions in front of it are kept.
    Failed(Error, usize),
}

/// The state a push-driven decoder keeps between calls: the stream's definitions and where it is.
pub(crate) struct StreamState {
    pub(crate) read: ReadState,
    /// Stream offset of the first buffered byte.
    pub(crate) offset: u64,
    /// Where the message that the last attempt ran short of starts (0 after a value).
    tried: usize,
}

enum Need {
    /// This many more bytes complete the message (or its length prefix).
    Bytes(usize),
    /// The message is all there.
    Whole,
}

impl StreamState {
    pub(crate) fn new(limits: Limits) -> Self {
        StreamState {
            read: ReadState::new(limits),
            offset: 0,
            tried: 0,
        }
    }

    /// The type definitions received so far.
    pub(crate) fn types(&self) -> &TypeTable {
        &self.read.types
    }

    /// The limits.
    pub(crate) fn limits(&self) -> Limits {
        self.read.limits
    }

    /// Looks at the buffered bytes `data` (starting at the next value): decodes a value if all its
    /// messages are there, else says how many bytes complete the next message. A bad or over-limit
    /// length prefix is an error as soon as it is buffered, unless a value before it is complete.
    pub(crate) fn step<T>(
        &mut self,
        data: &[u8],
        decode: impl FnOnce(&mut Input<'_>, TypeId) -> Result<T>,
    ) -> Result<Step<T>> {
        // Decode only when a whole message arrived after the ones the last attempt ran short with:
        // definitions are parsed again from the start each time, so this bounds the work by the
        // number of messages, and it looks at one message header per call, not at all that is
        // buffered.
        if let Need::Whole = self.need_at(data, self.tried)? {
            let read = &mut self.read;
            let r = decode_buffered(data, self.offset, read, decode);
            // Keep scratch space for ordinary messages only.
            if read.msg.capacity() > KEEP_SCRATCH {
                read.msg = Message::new();
            }
            match r {
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
        Ok(
            match wire::message_len(rest, offset, self.read.limits.max_message)? {
                Prefix::Short(n) => Need::Bytes(n),
                Prefix::Whole { len, used } if rest.len() - used < len => {
                    Need::Bytes(len - (rest.len() - used))
                }
                Prefix::Whole { .. } => Need::Whole,
            },
        )
    }

    /// The error for input that ends with `left` bytes of an unfinished value buffered.
    pub(crate) fn truncated(&self, left: usize) -> Error {
        Error::new(ErrorKind::UnexpectedEof).at(self.offset + left as u64)
    }
}
