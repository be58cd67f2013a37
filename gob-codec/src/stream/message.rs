//! The body of the message being decoded, kept between messages for its allocation.
//!
//! Strings are checked to be UTF-8 once per message, not once per string: the first time a string
//! is asked of a message, the rest of the body from that string on is checked, and if it is all
//! UTF-8 the body is kept as a `String`, so that each string in it is a slice of it whose two ends
//! only need checking. Decoding reads a body front to back, so the bytes before that string (the
//! type id, which is binary from 64 on, and whatever came before) are already read and are blanked
//! to NUL first. A rest that is not UTF-8 (binary integers, byte slices, marshaled values) falls
//! back to checking each string. Both ways cost no copy: a `Vec<u8>` and a `String` turn into each
//! other in place.

use std::mem::take;
use std::ops::Range;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Text {
    Unchecked,
    /// The body is UTF-8 and lives in `text`.
    Valid,
    Invalid,
}

pub(crate) struct Message {
    bytes: Vec<u8>,
    text: String,
    state: Text,
}

impl Message {
    pub(crate) fn new() -> Self {
        Message {
            bytes: Vec::new(),
            text: String::new(),
            state: Text::Unchecked,
        }
    }

    /// The body.
    #[inline]
    pub(crate) fn data(&self) -> &[u8] {
        match self.state {
            Text::Valid => self.text.as_bytes(),
            _ => &self.bytes,
        }
    }

    /// The buffer to read the next body into.
    pub(crate) fn refill(&mut self) -> &mut Vec<u8> {
        if self.state == Text::Valid {
            self.bytes = take(&mut self.text).into_bytes();
        }
        self.state = Text::Unchecked;
        &mut self.bytes
    }

    /// Checks, once per body, whether it is all UTF-8 from `from` on (see [`Message::text`]);
    /// the bytes before `from` must have been read, as they are blanked.
    #[inline]
    pub(crate) fn check_text(&mut self, from: usize) {
        if self.state == Text::Unchecked {
            self.check(from);
        }
    }

    /// The bytes at `r` as a string, when [`Message::check_text`] found the body all UTF-8 and
    /// `r` starts and ends on character boundaries; `None` means the bytes must be checked on
    /// their own.
    #[inline]
    pub(crate) fn text(&self, r: Range<usize>) -> Option<&str> {
        match self.state {
            Text::Valid => self.text.get(r),
            _ => None,
        }
    }

    #[cold]
    fn check(&mut self, from: usize) {
        let end = from.min(self.bytes.len());
        self.bytes[..end].fill(0);
        match String::from_utf8(take(&mut self.bytes)) {
            Ok(s) => {
                self.text = s;
                self.state = Text::Valid;
            }
            Err(e) => {
                self.bytes = e.into_bytes();
                self.state = Text::Invalid;
            }
        }
    }

    /// Bytes allocated for bodies.
    #[cfg(feature = "tokio")]
    pub(crate) fn capacity(&self) -> usize {
        self.bytes.capacity().max(self.text.capacity())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn strings_of_a_utf8_body_are_slices_of_it() {
        let mut m = Message::new();
        m.refill().extend_from_slice("héllo".as_bytes());
        assert_eq!(m.text(0..1), None, "unchecked");
        m.check_text(0);
        assert_eq!(m.text(0..1), Some("h"));
        // Inside the two bytes of 'é': not a boundary.
        assert_eq!(m.text(0..2), None);
        assert_eq!(m.data(), "héllo".as_bytes());

        // A binary prefix that was read already does not count.
        m.refill().clear();
        m.refill().extend_from_slice(&[0xff, 0x80, b'h', b'i']);
        m.check_text(2);
        assert_eq!(m.text(2..4), Some("hi"));
        m.check_text(0);
        assert_eq!(m.text(2..4), Some("hi"), "checked once");

        m.refill().clear();
        m.refill().extend_from_slice(&[b'a', 0xff, b'b']);
        m.check_text(0);
        assert_eq!(m.text(0..1), None);
        assert_eq!(m.data(), [b'a', 0xff, b'b']);
    }
}
