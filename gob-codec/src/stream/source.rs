//! Where a decoder's messages come from: a reader, a slice, or a buffer that may end too soon.

use std::io::Read;

use crate::error::{Error, ErrorKind, Result};
use crate::wire::{self, Prefix, Reader, MAX_UINT_LEN};

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
        // The length prefix, byte by byte: nothing after the message is read.
        let mut prefix = [0u8; MAX_UINT_LEN];
        prefix[0] = first;
        let n = wire::uint_len(first)
            .ok_or_else(|| Error::malformed("invalid message length").at(start))?;
        for b in &mut prefix[1..n] {
            *b = self
                .byte()?
                .ok_or_else(|| Error::new(ErrorKind::UnexpectedEof).at(self.offset))?;
        }
        let Prefix::Whole { len, .. } = wire::message_len(&prefix[..n], start, max)? else {
            return Err(Error::new(ErrorKind::UnexpectedEof).at(self.offset));
        };
        let got = if buf.len() >= len {
            // The buffer of an earlier message is long enough: read over it, zeroing nothing.
            buf.truncate(len);
            read_full(&mut self.r, buf).map_err(|e| Error::from(e).at(self.offset))?
        } else {
            // Read into spare capacity, which is not zeroed first. A small message's room is
            // reserved outright; a larger one grows with the bytes that arrive, so a large
            // announced length costs nothing up front.
            buf.clear();
            if len <= SMALL_MESSAGE {
                buf.reserve_exact(len);
            }
            (&mut self.r)
                .take(len as u64)
                .read_to_end(buf)
                .map_err(|e| Error::from(e).at(self.offset))?
        };
        let body = self.offset;
        self.offset += got as u64;
        if got < len {
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
        let n = wire::check_message_len(len, max, start)?;
        let body = r.offset();
        let bytes = r.take(n)?;
        buf.clear();
        buf.extend_from_slice(bytes);
        self.pos += r.position();
        Ok(body)
    }
}

/// Messages cut from a buffer that may end before the value does (streaming decoders). Running out of
/// data sets `starved` (and fails with `UnexpectedEof`), so the caller can tell "wait for more bytes"
/// from bad data whatever the error was turned into on the way up.
#[cfg(feature = "tokio")]
pub(crate) struct BufSource<'a> {
    pub data: &'a [u8],
    pub pos: usize,
    /// Stream offset of `data[0]`.
    pub base: u64,
    pub starved: bool,
}

#[cfg(feature = "tokio")]
impl MessageSource for BufSource<'_> {
    fn next_message(&mut self, buf: &mut Vec<u8>, max: usize) -> Result<u64> {
        let start = self.base + self.pos as u64;
        let rest = &self.data[self.pos..];
        let whole = match wire::message_len(rest, start, max)? {
            Prefix::Whole { len, used } if rest.len() - used >= len => Some((len, used)),
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
