//! Message framing on the write side: a stack of buffers, as Go's encoder keeps them.
//!
//! `bufs[0]` collects finished messages; the last buffer is the message (or interface value) being
//! written. Flushing moves the current buffer, length-prefixed, into the one below it: Go's
//! `writeMessage(w, b)`. An interface value pushes a buffer for its concrete value and flushes it into
//! the enclosing one, so definitions sent while it is being written land in the right place.

use crate::wire;

pub(crate) struct MessageBufs {
    bufs: Vec<Vec<u8>>,
}

impl MessageBufs {
    /// Buffers writing finished messages into `out` (appended to).
    pub fn new(out: Vec<u8>) -> Self {
        MessageBufs {
            bufs: vec![out, Vec::new()],
        }
    }

    /// The buffer being written.
    #[inline]
    pub fn cur(&mut self) -> &mut Vec<u8> {
        let n = self.bufs.len() - 1;
        &mut self.bufs[n]
    }

    /// Moves the current buffer, length-prefixed, into the enclosing one.
    pub fn flush(&mut self) {
        let n = self.bufs.len();
        let (outer, inner) = self.bufs.split_at_mut(n - 1);
        let (w, b) = (&mut outer[n - 2], &mut inner[0]);
        wire::put_message(w, b);
        b.clear();
    }

    /// Starts the buffer of an interface's concrete value.
    pub fn push(&mut self) {
        self.bufs.push(Vec::new());
    }

    /// Flushes the concrete value into the interface's buffer and returns to it.
    pub fn pop_flushed(&mut self) {
        self.flush();
        self.bufs.pop();
    }

    /// No buffers at all: a placeholder while the real ones are lent out.
    pub fn empty() -> Self {
        MessageBufs { bufs: Vec::new() }
    }

    /// Back to an empty output and an empty current message, keeping the allocations.
    pub fn reset(&mut self) {
        self.bufs.truncate(2);
        while self.bufs.len() < 2 {
            self.bufs.push(Vec::new());
        }
        for b in &mut self.bufs {
            b.clear();
        }
    }

    /// Back to the output's first `len` bytes and an empty current message: what a value that
    /// failed to encode had written goes.
    pub fn rewind(&mut self, len: usize) {
        self.bufs.truncate(2);
        while self.bufs.len() < 2 {
            self.bufs.push(Vec::new());
        }
        self.bufs[0].truncate(len);
        self.bufs[1].clear();
    }

    /// The finished messages.
    pub fn output(&self) -> &[u8] {
        &self.bufs[0]
    }

    /// The finished messages, giving up the buffers.
    pub fn into_output(mut self) -> Vec<u8> {
        std::mem::take(&mut self.bufs[0])
    }
}
