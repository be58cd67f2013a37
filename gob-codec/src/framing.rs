//! Message framing on the write side: the buffers Go's encoder keeps, without copying bodies.
//!
//! `out` collects finished messages; `cur` is the message (or interface value) being written, and
//! `outer` holds the buffers of the values around an interface value being written. Flushing moves
//! `cur`, length-prefixed, into the buffer around it: Go's `writeMessage(w, b)`. An interface value
//! pushes a buffer for its concrete value and flushes it into the enclosing one, so definitions
//! sent while it is being written land in the right place.
//!
//! Like Go's `spaceForLength`, every buffer starts with room for the longest length prefix, so the
//! length is written in front of the body once the body is known. The first message of the output
//! is not copied at all: its buffer becomes the output, starting where its prefix starts. That is
//! the whole output of a value whose definitions went out before, so such a value's bytes are
//! written once here and once into the writer, as in Go.

use crate::wire::{self, MAX_UINT_LEN};

/// Bytes reserved in front of every message body for its length prefix.
const HEAD: usize = MAX_UINT_LEN;

pub(crate) struct MessageBufs {
    /// Finished messages, from `start` on.
    out: Vec<u8>,
    start: usize,
    /// The body being written, after `HEAD` reserved bytes.
    cur: Vec<u8>,
    /// Enclosing buffers of interface values being written, innermost last.
    outer: Vec<Vec<u8>>,
    /// Buffers of finished interface values, kept for their allocations.
    spare: Vec<Vec<u8>>,
}

/// A buffer for a new body: the reserved head only.
fn head(mut b: Vec<u8>) -> Vec<u8> {
    b.clear();
    b.resize(HEAD, 0);
    b
}

impl MessageBufs {
    /// Buffers with an empty output.
    pub fn new() -> Self {
        MessageBufs {
            out: Vec::new(),
            start: 0,
            cur: head(Vec::new()),
            outer: Vec::new(),
            spare: Vec::new(),
        }
    }

    /// The buffer being written.
    #[inline]
    pub fn cur(&mut self) -> &mut Vec<u8> {
        &mut self.cur
    }

    /// Moves the current body, length-prefixed, into the enclosing buffer, and starts a new body.
    pub fn flush(&mut self) {
        let body = self.cur.len() - HEAD;
        let n = wire::put_message_prefix(&mut self.cur[..HEAD], body);
        let w = match self.outer.last_mut() {
            Some(w) => w,
            None if self.out.len() == self.start => {
                // The first message: its buffer becomes the output.
                std::mem::swap(&mut self.out, &mut self.cur);
                self.start = HEAD - n;
                self.cur = head(std::mem::take(&mut self.cur));
                return;
            }
            None => &mut self.out,
        };
        w.extend_from_slice(&self.cur[HEAD - n..]);
        self.cur.truncate(HEAD);
    }

    /// Starts the buffer of an interface's concrete value.
    pub fn push(&mut self) {
        let b = head(self.spare.pop().unwrap_or_default());
        self.outer.push(std::mem::replace(&mut self.cur, b));
    }

    /// Flushes the concrete value into the interface's buffer and returns to it.
    pub fn pop_flushed(&mut self) {
        self.flush();
        if let Some(b) = self.outer.pop() {
            self.spare.push(std::mem::replace(&mut self.cur, b));
        }
    }

    /// Back to an empty output and an empty current message, keeping the allocations.
    pub fn reset(&mut self) {
        self.rewind(0);
    }

    /// Back to the output's first `len` bytes and an empty current message: what a value that
    /// failed to encode had written goes.
    pub fn rewind(&mut self, len: usize) {
        while let Some(b) = self.outer.pop() {
            self.spare.push(std::mem::replace(&mut self.cur, b));
        }
        if len == 0 {
            self.out.clear();
            self.start = 0;
        } else {
            self.out.truncate(self.start + len);
        }
        self.cur = head(std::mem::take(&mut self.cur));
    }

    /// The finished messages.
    pub fn output(&self) -> &[u8] {
        &self.out[self.start..]
    }
}
